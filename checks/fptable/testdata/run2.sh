cd /work/main
for t in FuzzIPCFile FuzzIPCStream; do
  go test ./pipeline -run '^$' -fuzz "^$t\$" -fuzztime 50s -fuzzminimizetime 3s > /tmp/fz/$t.log 2>&1; echo "rc=$?" >> /tmp/fz/$t.log
done
