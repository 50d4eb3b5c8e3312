# program_pid ZQ: the pid (as seen from here) of the program zhuque ZQ
# runs: zhuque's child is the guard, whose child is the init of the
# program's pid namespace (the guard's code too), whose child is the
# program. Empty when it is not there (yet, or any more).
program_pid() {
	local p=$1 level
	for level in guard init program; do
		p=$(pgrep -P "$p" | head -1 || true)
		[ -n "$p" ] || return 0
	done
	echo "$p"
}
