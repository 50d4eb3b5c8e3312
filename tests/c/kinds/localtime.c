/* A time zone file: musl maps it (__map_file) at the first localtime_r
 * and keeps the pointer, so it must be mapped again at resume. Before
 * Zhuque did that, the first call after a resume died of SIGSEGV. */
#include "check.h"

/* 12:00 UTC on 2024-01-15 and 2024-07-15: CET and CEST in Paris. */
static void check_zone(void)
{
	time_t winter = 1705320000, summer = 1721044800;
	struct tm tm;

	CHECK(localtime_r(&winter, &tm) && tm.tm_hour == 13 && !tm.tm_isdst
		&& !strcmp(tm.tm_zone, "CET"), "winter: %02d:00 dst %d %s", tm.tm_hour, tm.tm_isdst, tm.tm_zone);
	CHECK(localtime_r(&summer, &tm) && tm.tm_hour == 14 && tm.tm_isdst
		&& !strcmp(tm.tm_zone, "CEST"), "summer: %02d:00 dst %d %s", tm.tm_hour, tm.tm_isdst, tm.tm_zone);
}

int main(void)
{
	int i;

	setenv("TZ", "Europe/Paris", 1);
	for (i = 0; i < 120 && !failed; i++) {
		check_zone();
		hold(0.01);
	}
	return verdict();
}
