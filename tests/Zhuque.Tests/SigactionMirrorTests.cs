using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Zhuque.Interpose.Signals;
using Zhuque.Tests.Support;

namespace Zhuque.Tests;

/// <summary>
/// src/Interpose/Signals/SigactionStructs.cs against the C compilers: the
/// kernel's struct sigaction (asm/signal.h, what musl's k_sigaction is on
/// x86_64) with gcc, musl's struct sigaction with zhuque-cc.
/// </summary>
public sealed class SigactionMirrorTests
{
    static string Probe(string header, params string[] fields) =>
        $"#include <stddef.h>\n#include <stdio.h>\n#include <{header}>\nint main(void)\n{{\n" +
        "\tprintf(\"sizeof %zu\\n\", sizeof(struct sigaction));\n" +
        string.Concat(fields.Select(f => $"\tprintf(\"{f} %zu\\n\", offsetof(struct sigaction, {f}));\n")) +
        "\treturn 0;\n}\n";

    static string Offset<T>(string field) => Marshal.OffsetOf<T>(field).ToString();

    [Fact]
    public void KernelSigactionMatchesAsmSignalH()
    {
        var c = CProbe.Run(Probe("asm/signal.h", "sa_handler", "sa_flags", "sa_restorer", "sa_mask"));
        Assert.Equal(c["sizeof"], Unsafe.SizeOf<KernelSigaction>().ToString());
        Assert.Equal(c["sa_handler"], Offset<KernelSigaction>(nameof(KernelSigaction.Handler)));
        Assert.Equal(c["sa_flags"], Offset<KernelSigaction>(nameof(KernelSigaction.Flags)));
        Assert.Equal(c["sa_restorer"], Offset<KernelSigaction>(nameof(KernelSigaction.Restorer)));
        Assert.Equal(c["sa_mask"], Offset<KernelSigaction>(nameof(KernelSigaction.Mask)));
    }

    [Fact]
    public void MuslSigactionMatchesMuslSignalH()
    {
        var cc = Path.Combine(Repo.Root, "build", "bin", "zhuque-cc");
        var c = CProbe.RunWith(cc, Probe("signal.h", "sa_handler", "sa_mask", "sa_flags", "sa_restorer"));
        Assert.Equal(c["sizeof"], Unsafe.SizeOf<MuslSigaction>().ToString());
        Assert.Equal(c["sa_handler"], Offset<MuslSigaction>(nameof(MuslSigaction.Handler)));
        Assert.Equal(c["sa_mask"], Offset<MuslSigaction>(nameof(MuslSigaction.Mask)));
        Assert.Equal(c["sa_flags"], Offset<MuslSigaction>(nameof(MuslSigaction.Flags)));
        Assert.Equal(c["sa_restorer"], Offset<MuslSigaction>(nameof(MuslSigaction.Restorer)));
    }
}
