cd /work/main
for t in FuzzCSV FuzzNDJSON FuzzIPCFile FuzzIPCStream; do
  go test ./pipeline -run '^$' -fuzz "^$t\$" -fuzztime 55s -fuzzminimizetime 3s > /tmp/fz/$t.log 2>&1; echo "rc=$?" >> /tmp/fz/$t.log
done
go test ./configs -run '^$' -fuzz '^FuzzPolicy$' -fuzztime 55s -fuzzminimizetime 3s > /tmp/fz/FuzzPolicy.log 2>&1; echo "rc=$?" >> /tmp/fz/FuzzPolicy.log
