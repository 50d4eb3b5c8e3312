using System.Runtime.InteropServices;
using System.Text;
using Zhuque.Launcher.Native;
using Zhuque.Tests.Support;

namespace Zhuque.Tests;

/// <summary>The launcher's struct stat (for fstat/lstat by P/Invoke) against glibc's, as gcc lays it out.</summary>
public sealed class StatMirrorTests
{
    static readonly Dictionary<string, string> CNames = new()
    {
        [nameof(Stat.Dev)] = "st_dev",
        [nameof(Stat.Ino)] = "st_ino",
        [nameof(Stat.NLink)] = "st_nlink",
        [nameof(Stat.Mode)] = "st_mode",
        [nameof(Stat.Uid)] = "st_uid",
        [nameof(Stat.Gid)] = "st_gid",
        [nameof(Stat.RDev)] = "st_rdev",
        [nameof(Stat.Size)] = "st_size",
        [nameof(Stat.BlkSize)] = "st_blksize",
        [nameof(Stat.Blocks)] = "st_blocks",
        [nameof(Stat.ATimeSec)] = "st_atim.tv_sec",
        [nameof(Stat.ATimeNsec)] = "st_atim.tv_nsec",
        [nameof(Stat.MTimeSec)] = "st_mtim.tv_sec",
        [nameof(Stat.MTimeNsec)] = "st_mtim.tv_nsec",
        [nameof(Stat.CTimeSec)] = "st_ctim.tv_sec",
        [nameof(Stat.CTimeNsec)] = "st_ctim.tv_nsec",
    };

    [Fact]
    public void StatMatchesGlibc()
    {
        var probe = new StringBuilder("#include <stddef.h>\n#include <stdio.h>\n#include <sys/stat.h>\nint main(void)\n{\n");
        probe.AppendLine("\tprintf(\"sizeof %zu\\n\", sizeof(struct stat));");
        foreach (var (field, c) in CNames)
            probe.AppendLine($"\tprintf(\"{field} %zu\\n\", offsetof(struct stat, {c}));");
        probe.AppendLine("\treturn 0;\n}");
        var actual = CProbe.Run(probe.ToString());
        Assert.Equal(actual["sizeof"], Marshal.SizeOf<Stat>().ToString());
        foreach (var field in CNames.Keys)
            Assert.True(actual[field] == Marshal.OffsetOf<Stat>(field).ToString(),
                $"{field}: C offset {actual[field]}, C# {Marshal.OffsetOf<Stat>(field)}");
    }

    [Fact]
    public void FStatReadsOwnerModeAndSize()
    {
        using var dir = new TempDir();
        File.WriteAllBytes(dir["f"], new byte[1234]);
        File.SetUnixFileMode(dir["f"], UnixFileMode.UserRead | UnixFileMode.UserWrite);
        using var handle = File.OpenHandle(dir["f"]);
        var st = Posix.FStat((int)handle.DangerousGetHandle());
        Assert.Equal(1234, st.Size);
        Assert.Equal(0x8180u, st.Mode); // S_IFREG | 0600
        Assert.Equal(Libc.GetEUid(), st.Uid);
    }
}
