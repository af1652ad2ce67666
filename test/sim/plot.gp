# Plots of test/sim/run.sh's CSVs: gnuplot -e "dir='test/sim/results'" test/sim/plot.gp
set datafile separator ','
set terminal pngcairo size 900,600
set key top left
set grid

set output dir.'/hops.png'
set title 're6st sim: hop count between node pairs'
set xlabel 'nodes'
set ylabel 'hops'
set logscale x
plot for [cc in '6 10 16'] dir.'/hops.csv' using ($2 == cc+0 ? $1 : 1/0):3 with linespoints title 'avg, client-count '.cc, \
     for [cc in '6 10 16'] dir.'/hops.csv' using ($2 == cc+0 ? $1 : 1/0):4 with points title 'max, client-count '.cc
unset logscale x

set output dir.'/kill.png'
set title 're6st sim: node pairs still communicating after a mass failure'
set xlabel 'share of nodes killed at once'
set ylabel 'share of surviving pairs'
set logscale y
set yrange [0.001:1.05]
set key bottom left
plot for [cc in '6 10 16'] dir.'/kill.csv' using ($1 == cc+0 ? $2 : 1/0):4 with linespoints title 'routed, client-count '.cc, \
     for [cc in '6 10 16'] dir.'/kill.csv' using ($1 == cc+0 ? $2 : 1/0):3 with lines dashtype 2 title 'tunnel graph, client-count '.cc
unset logscale y
set yrange [*:*]
set key top left

set output dir.'/reconverge.png'
set title 're6st sim: time to reconverge after killing a share of the nodes'
set ylabel 'seconds (-1: not within 180 s)'
plot for [cc in '6 10 16'] dir.'/kill.csv' using ($1 == cc+0 ? $2 : 1/0):5 with linespoints title 'client-count '.cc

set output dir.'/cost.png'
set title 're6st sim: cost per node as N grows (client-count 10)'
set xlabel 'nodes'
set ylabel 'bytes/s per node'
set y2label 'KiB per node / sessions per node'
set y2tics
set logscale x
plot dir.'/hops.csv' using ($2 == 10 ? $1 : 1/0):6 with linespoints title 'Babel bytes/s', \
     dir.'/hops.csv' using ($2 == 10 ? $1 : 1/0):9 axes x1y2 with linespoints title 'RSS KiB per node', \
     dir.'/hops.csv' using ($2 == 10 ? $1 : 1/0):8 axes x1y2 with linespoints title 'peer sessions per node'
unset logscale x
unset y2tics
unset y2label

set output dir.'/timeline.png'
set title 're6st sim: churn 60/h, 30% killed at 600 s, registry down at 1200 s'
set xlabel 'virtual seconds'
set ylabel 'share of pairs (%)'
set y2label 'bytes/s per node, tunnel events per node per hour'
set y2tics
set yrange [0:105]
plot dir.'/timeline.csv' using 1:($10*100) with lines title 'routed %', \
     dir.'/timeline.csv' using 1:($11*100) with lines dashtype 2 title 'tunnel graph %', \
     dir.'/timeline.csv' using 1:13 axes x1y2 with lines title 'Babel B/s/node', \
     dir.'/timeline.csv' using 1:15 axes x1y2 with lines title 'tunnel churn/node/h'
unset y2tics
unset y2label
set yrange [*:*]

# Scale: full runs (hops.csv) and sampled runs (sampled.csv, --track 50) on one axis of N.
full = "< awk -F, 'NR > 1 && $2 == 10' ".dir."/hops.csv | sort -t, -k1,1n"
sampled = "< awk -F, 'NR > 1 && $2 == 50' ".dir."/sampled.csv | sort -t, -k1,1n -k3,3n"
set output dir.'/scale.png'
set title 're6st sim: hop count and memory as N grows (client-count 10)'
set xlabel 'nodes'
set ylabel 'hops'
set y2label 'peak RSS, MiB'
set y2tics
set logscale x
set logscale y2
set xrange [30:30000]
set key bottom right noenhanced
plot full using 1:3 with linespoints title 'avg hops, full', \
     full using 1:4 with points title 'max hops, full', \
     sampled using 1:4 with linespoints title 'avg hops, --track 50 (about 6 pct low)', \
     sampled using 1:5 with points title 'max hops, --track 50', \
     full using 1:10 axes x1y2 with linespoints dashtype 2 title 'peak RSS, full', \
     sampled using 1:15 axes x1y2 with linespoints dashtype 2 title 'peak RSS, --track 50'
unset logscale x
unset logscale y2
unset y2tics
unset y2label
set xrange [*:*]

# The large sampled runs over simulated time: hop count, and the simulator's wall clock.
large = system('cd '.dir.'/runs && ls -d sampled-n*-k50* 2>/dev/null | grep -v "[.]txt$" | sort -t n -k2,2n | tr "\n" " "')
set output dir.'/large.png'
set multiplot layout 2,1 title 're6st sim --track 50: the sampled runs over simulated time (client-count 10)'
unset title
set xlabel 'simulated seconds'
set ylabel 'avg hops (about 6 pct low)'
set key outside right noenhanced
plot for [r in large] dir.'/runs/'.r.'/timeline.csv' using 1:8 with linespoints title r
set ylabel 'simulator wall seconds'
set logscale y
plot for [r in large] dir.'/runs/'.r.'/timeline.csv' using 1:18 with linespoints title r
unset logscale y
unset multiplot
