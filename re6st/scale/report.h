// Presentation of a `re6st sim` run: timeline and summary tables for people, CSV files
// (timeline.csv, failures.csv, summary.csv) for plots, JSON for scripts. Formatting
// only; the CSV writer is the only I/O (files in the given directory).
#pragma once

#include <ostream>
#include <string>

#include "re6st/scale/config.h"
#include "re6st/scale/scenario.h"

namespace re6st::scale {

void printTimelineHeader(std::ostream& out);
void printTimelineRow(std::ostream& out, const Sample& s);
void printSummary(std::ostream& out, const Config& c, const Report& r);
std::string summaryJson(const Config& c, const Report& r);
// Creates dir if needed; fails with the path and the reason.
Status writeCsv(const std::string& dir, const Config& c, const Report& r);

}  // namespace re6st::scale
