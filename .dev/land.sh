#!/usr/bin/env bash
# Land a branch on main: queue it, and if no one is landing, become the lander.
# The lander merges every queued branch onto main (a train), builds, type-checks and runs the
# whole suite once; on a pass main fast-forwards. On a failure each member is tried alone
# against the failing test files: members that fail alone are rejected, the rest go back on the
# queue. Results: /work/wt/.results/NAME-SHA (first line PASS, FAIL or CONFLICT), logs in
# /work/wt/logs. Usage, from a helper's worktree with everything committed: .dev/land.sh
set -uo pipefail
W=/work/wt; Q=$W/.land.queue; R=$W/.results; L=$W/logs; T=$W/.train
mkdir -p $R $L
name=$(basename "$(git rev-parse --show-toplevel)"); sha=$(git rev-parse HEAD)
[ -n "$(git status --porcelain --untracked-files=no)" ] && { echo "land: commit first (git status is not clean)"; exit 2; }
( flock 8; echo "$name $sha" >> $Q ) 8>$Q.lock
echo "land: queued $name $sha"
res=$R/$name-$sha
exec 9>$W/.land.lock
if ! flock -n 9; then
  echo "land: another lander holds the lock; waiting for $res"
  while [ ! -f $res ]; do
    if flock -n 9; then break; fi
    sleep 10
  done
  if [ -f $res ]; then cat $res; head -1 $res | grep -q PASS; exit $?; fi
fi
# We are the lander. It may have been started from a niced shell (a helper's `nice -n 10`):
# the train runs at nice 0, ahead of the work prio() below pushes to 15 (a train at nice 19
# lost to everything and its suite passed its 25 minutes at load 18).
renice -n 0 -p $$ >/dev/null 2>&1 || true
[ -d $T ] || { git -C /work/main worktree add -f $T main --detach >/dev/null 2>&1; ln -sfn /work/main/node_modules $T/node_modules; }
# What prio() reniced, "PID NICE" (its niceness before): put back when the lander ends, so that
# a shell that was at 0 before a train is at 0 after it (one left at 15 timed its benchmarks
# beside a helper's nice-19 work as if on one core).
reniced=$W/.reniced.$$
prio() { # keep the suite ahead of everyone else's work while it runs
  while sleep 5; do
    mine=$(pstree -p $$ | grep -o '([0-9]*)' | tr -d '()')
    ps -eo pid=,ni= | awk '$2<15' | while read -r p n; do
      echo "$mine" | grep -qx "$p" && continue
      renice -n 15 -p $p >/dev/null 2>&1 && echo "$p $n" >> $reniced
    done
  done
}
unprio() { # the first niceness each had; only where it is still the 15 prio() gave
  kill $PRIO 2>/dev/null
  [ -f $reniced ] && awk '!seen[$1]++' $reniced | while read -r p n; do
    [ "$(ps -o ni= -p $p 2>/dev/null | tr -d ' ')" = 15 ] && renice -n $n -p $p >/dev/null 2>&1
  done
  rm -f $reniced
}
prio & PRIO=$!
trap unprio EXIT
train_no=0
while :; do
  members=$( ( flock 8; cat $Q 2>/dev/null; : > $Q ) 8>$Q.lock | awk '!seen[$0]++')
  [ -z "$members" ] && break
  train_no=$((train_no+1)); stamp=$(date +%H%M%S); log=$L/train-$stamp.log
  cd $T; git checkout -q --detach main; git reset -q --hard main
  merged=""
  while read -r n s; do
    [ -z "$n" ] && continue
    if ! git merge -q --no-ff --no-edit -m "Merge $n" $s >>$log 2>&1; then
      files=$(git diff --name-only --diff-filter=U | tr '\n' ' '); git merge --abort
      if git merge-tree --write-tree main $s >/dev/null 2>&1; then why="conflicts with train members ($merged) in: $files; it will be retried in the next train"
        ( flock 8; echo "$n $s" >> $Q ) 8>$Q.lock
        continue
      fi
      printf 'CONFLICT\nmerge with main conflicts in: %s\nrebase or merge main, then land again\n' "$files" > $R/$n-$s; continue
    fi
    merged="$merged $n:$s"
  done <<< "$members"
  [ -z "$merged" ] && continue
  echo "land: train $train_no:$merged (log $log)"
  ok=1; fails=""
  node bin/build.mjs >>$log 2>&1 || { ok=0; fails=BUILD; }
  if [ $ok = 1 ]; then npx tsc --noEmit -p . >>$log 2>&1 || { ok=0; fails=TYPECHECK; }; fi
  if [ $ok = 1 ]; then
    NO_COLOR=1 timeout 1500 npx vitest run --maxWorkers=3 >$log.suite 2>&1 || ok=0
    cat $log.suite >> $log
    fails=$(grep -E '^ (FAIL|×)|FAIL ' $log.suite | grep -oE 'test/[^ >:]*\.test\.ts' | sort -u | tr '\n' ' ')
    [ $ok = 0 ] && [ -z "$fails" ] && fails=ALL
  fi
  if [ $ok = 1 ]; then
    summary=$(grep -E 'Tests +[0-9]' $log.suite | tail -1)
    if git -C /work/main merge -q --ff-only $(git rev-parse HEAD) >>$log 2>&1; then
      for m in $merged; do printf 'PASS\nlanded on main in train %s (%s); %s\n' "$stamp" "$merged" "$summary" > $R/${m%%:*}-${m#*:}; done
      echo "land: main is now $(git rev-parse --short HEAD)"
    else
      for m in $merged; do ( flock 8; echo "${m%%:*} ${m#*:}" >> $Q ) 8>$Q.lock; done
    fi
    continue
  fi
  echo "land: train failed ($fails); trying members alone"
  rejected=0; last=""
  for m in $merged; do
    n=${m%%:*}; s=${m#*:}; solo=$L/solo-$n-$stamp.log
    git checkout -q --detach main; git reset -q --hard main; git merge -q --no-ff --no-edit $s >$solo 2>&1
    bad=0
    case "$fails" in
      BUILD) node bin/build.mjs >>$solo 2>&1 || bad=1 ;;
      TYPECHECK) npx tsc --noEmit -p . >>$solo 2>&1 || bad=1 ;;
      ALL) bad=1 ;;
      *) node bin/build.mjs >>$solo 2>&1; timeout 900 npx vitest run --maxWorkers=3 --passWithNoTests $fails >>$solo 2>&1 || bad=1 ;;
    esac
    if [ $bad = 1 ]; then
      rejected=1
      { echo FAIL; echo "fails alone on main: $fails"; echo "train log: $log"; echo "solo log: $solo"; grep -E 'FAIL|error|Error' $solo | head -40; } > $R/$n-$s
    else
      ( flock 8; echo "$n $s" >> $Q ) 8>$Q.lock; last="$n $s"
    fi
  done
  if [ $rejected = 0 ] && [ -n "$last" ]; then # each passes alone: the last one fails together with the rest
    set -- $last
    if [ "$(echo $merged | wc -w)" = 1 ] && [ ! -e $L/retried-$2 ]; then
      # A train of one whose failing files pass alone failed by load (a timeout), not by
      # anything of its own: it goes round once more (it is still in the queue).
      touch $L/retried-$2; echo "land: $1 passes alone; the train's failure ($fails) was not its own: one more train"
      continue
    fi
    ( flock 8; grep -vx "$last" $Q > $Q.tmp; mv $Q.tmp $Q ) 8>$Q.lock
    printf 'FAIL\npasses alone but fails (%s) together with:%s\ntrain log: %s\nmerge main (once the others land) and land again\n' "$fails" "$merged" "$log" > $R/$1-$2
  fi
done
cd /; [ -f $res ] && { cat $res; head -1 $res | grep -q PASS; exit $?; }
echo "land: no result for $name $sha (was it merged in another train?)"; exit 1
