# first_answer PORT: waits (60 s at most) until memcached on 127.0.0.1:PORT
# answers "version". It polls with bash's own /dev/tcp, so no process start
# is in the time measured around it.
first_answer() {
	local line end=$((SECONDS + 60))
	until exec 3<>"/dev/tcp/127.0.0.1/$1"; do
		[ "$SECONDS" -lt "$end" ] || return 1
	done 2>/dev/null
	printf 'version\r\n' >&3
	read -r line <&3
	exec 3>&-
}
