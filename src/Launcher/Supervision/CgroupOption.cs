namespace Zhuque.Launcher.Supervision;

/// <summary>
/// --cgroup DIR (run, resume): the guard moves the program alone into the
/// cgroup DIR before its first instruction (native/guard). Checked here so
/// that a wrong path is one line before anything starts; a cgroup that
/// refuses the move (permissions, a controller's limit) is the guard's line.
/// </summary>
public static class CgroupOption
{
    public static string? Check(string? dir)
    {
        if (dir is null)
            return null;
        if (!File.Exists(Path.Combine(dir, "cgroup.procs")))
            throw new ZhuqueException(ReturnCode.UsageOrInternal, $"--cgroup {dir}: not a cgroup directory (no cgroup.procs there)");
        return Path.GetFullPath(dir);
    }

    /// <summary>Without the guard (ZHUQUE_UNGUARDED=1) nothing would move the program.</summary>
    public static ShimLaunch Unguarded(ShimLaunch launch, string? cgroup) => cgroup is null ? launch
        : throw new ZhuqueException(ReturnCode.UsageOrInternal, "--cgroup needs the guard (ZHUQUE_UNGUARDED is set)");
}
