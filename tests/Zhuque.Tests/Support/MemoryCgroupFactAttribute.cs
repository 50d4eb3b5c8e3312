namespace Zhuque.Tests.Support;

/// <summary>
/// A fact that needs a cgroup memory controller (v1's memory hierarchy, or
/// v2 offering memory): skipped, saying so, on a machine without one.
/// </summary>
public sealed class MemoryCgroupFactAttribute : FactAttribute
{
    public MemoryCgroupFactAttribute()
    {
        if (!Mounted())
            Skip = "no cgroup memory controller is mounted (neither v1's memory hierarchy nor v2 with memory)";
    }

    static bool Mounted()
    {
        foreach (var line in File.ReadLines("/proc/self/mounts"))
        {
            var f = line.Split(' ');
            if (f.Length < 4)
                continue;
            if (f[2] == "cgroup" && f[3].Split(',').Contains("memory"))
                return true;
            if (f[2] == "cgroup2" && File.Exists(Path.Combine(f[1], "cgroup.controllers"))
                && File.ReadAllText(Path.Combine(f[1], "cgroup.controllers")).Split().Contains("memory"))
                return true;
        }
        return false;
    }
}
