using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Zhuque.Interpose.Frames;
using Zhuque.Tests.Support;

namespace Zhuque.Tests;

/// <summary>
/// src/Interpose/Frames/SignalFrame.cs against what gcc says: struct
/// sigcontext field by field from the kernel's own header, and the whole
/// ucontext against glibc's ucontext_t (whose register array is in the same
/// order: R8..R15, RDI, RSI, RBP, RBX, RDX, RAX, RCX, RSP, RIP, EFL, CSGSFS,
/// ERR, TRAPNO, OLDMASK, CR2, then fpregs). glibc's uc_sigmask is 128 bytes,
/// the kernel's 8, so only its offset is compared.
/// </summary>
public sealed class SignalFrameMirrorTests
{
    /// <summary>KernelUContext's fields (and, through UcMcontext, KernelSigContext's) as glibc names them.</summary>
    static readonly (string Field, string Glibc)[] Glibc =
    [
        ("UcFlags", "uc_flags"),
        ("UcLink", "uc_link"),
        ("UcStackSp", "uc_stack.ss_sp"),
        ("UcStackFlags", "uc_stack.ss_flags"),
        ("UcStackSize", "uc_stack.ss_size"),
        ("UcMcontext", "uc_mcontext"),
        ("UcMcontext.R8", "uc_mcontext.gregs[REG_R8]"),
        ("UcMcontext.R9", "uc_mcontext.gregs[REG_R9]"),
        ("UcMcontext.R10", "uc_mcontext.gregs[REG_R10]"),
        ("UcMcontext.R11", "uc_mcontext.gregs[REG_R11]"),
        ("UcMcontext.R12", "uc_mcontext.gregs[REG_R12]"),
        ("UcMcontext.R13", "uc_mcontext.gregs[REG_R13]"),
        ("UcMcontext.R14", "uc_mcontext.gregs[REG_R14]"),
        ("UcMcontext.R15", "uc_mcontext.gregs[REG_R15]"),
        ("UcMcontext.Rdi", "uc_mcontext.gregs[REG_RDI]"),
        ("UcMcontext.Rsi", "uc_mcontext.gregs[REG_RSI]"),
        ("UcMcontext.Rbp", "uc_mcontext.gregs[REG_RBP]"),
        ("UcMcontext.Rbx", "uc_mcontext.gregs[REG_RBX]"),
        ("UcMcontext.Rdx", "uc_mcontext.gregs[REG_RDX]"),
        ("UcMcontext.Rax", "uc_mcontext.gregs[REG_RAX]"),
        ("UcMcontext.Rcx", "uc_mcontext.gregs[REG_RCX]"),
        ("UcMcontext.Rsp", "uc_mcontext.gregs[REG_RSP]"),
        ("UcMcontext.Rip", "uc_mcontext.gregs[REG_RIP]"),
        ("UcMcontext.Eflags", "uc_mcontext.gregs[REG_EFL]"),
        ("UcMcontext.Cs", "uc_mcontext.gregs[REG_CSGSFS]"), // cs, gs, fs, ss: four u16 in one greg
        ("UcMcontext.Err", "uc_mcontext.gregs[REG_ERR]"),
        ("UcMcontext.Trapno", "uc_mcontext.gregs[REG_TRAPNO]"),
        ("UcMcontext.Oldmask", "uc_mcontext.gregs[REG_OLDMASK]"),
        ("UcMcontext.Cr2", "uc_mcontext.gregs[REG_CR2]"),
        ("UcMcontext.Fpstate", "uc_mcontext.fpregs"),
        ("UcSigmask", "uc_sigmask"),
    ];

    [Fact]
    public void UContextOffsetsMatchGlibc()
    {
        var probe = new StringBuilder("#define _GNU_SOURCE\n#include <stddef.h>\n#include <stdio.h>\n#include <sys/ucontext.h>\nint main(void)\n{\n");
        foreach (var (field, c) in Glibc)
            probe.AppendLine($"\tprintf(\"{field} %zu\\n\", offsetof(ucontext_t, {c}));");
        probe.AppendLine("\tprintf(\"sizeof_mcontext %zu\\n\", sizeof(mcontext_t));");
        probe.AppendLine("\treturn 0;\n}");
        var actual = CProbe.Run(probe.ToString());

        var mismatches = Glibc.Where(p => actual[p.Field] != Offset(p.Field).ToString())
            .Select(p => $"{p.Field} ({p.Glibc}): C {actual[p.Field]}, C# {Offset(p.Field)}")
            .ToList();
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
        // mcontext_t and struct sigcontext are the same 256 bytes: gregs, fpregs, reserved.
        Assert.Equal(actual["sizeof_mcontext"], Unsafe.SizeOf<KernelSigContext>().ToString());
        Assert.Equal(296, Offset("UcSigmask"));
        Assert.Equal(304, Unsafe.SizeOf<KernelUContext>());
    }

    /// <summary>Every field of KernelSigContext by the kernel's own name (its snake_case), offset and size.</summary>
    [Fact]
    public void SigContextMatchesTheKernelHeader()
    {
        var fields = typeof(KernelSigContext).GetFields(BindingFlags.Instance | BindingFlags.Public);
        var probe = new StringBuilder("#include <stddef.h>\n#include <stdio.h>\n#include <asm/sigcontext.h>\nint main(void)\n{\n");
        probe.AppendLine("\tprintf(\"sizeof %zu\\n\", sizeof(struct sigcontext));");
        var expected = new Dictionary<string, string> { ["sizeof"] = Unsafe.SizeOf<KernelSigContext>().ToString() };
        foreach (var f in fields)
        {
            var c = LayoutComparer.SnakeCase(f.Name);
            probe.AppendLine($"\tprintf(\"offsetof.{c} %zu\\n\", offsetof(struct sigcontext, {c}));");
            probe.AppendLine($"\tprintf(\"size.{c} %zu\\n\", sizeof(((struct sigcontext *)0)->{c}));");
            expected[$"offsetof.{c}"] = Marshal.OffsetOf<KernelSigContext>(f.Name).ToString();
            var array = f.GetCustomAttribute<FixedBufferAttribute>();
            expected[$"size.{c}"] = (array is null ? Marshal.SizeOf(f.FieldType) : Marshal.SizeOf(array.ElementType) * array.Length).ToString();
        }
        probe.AppendLine("\treturn 0;\n}");
        var actual = CProbe.Run(probe.ToString());
        var mismatches = expected.Where(p => actual[p.Key] != p.Value).Select(p => $"{p.Key}: C {actual[p.Key]}, C# {p.Value}").ToList();
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
    }

    /// <summary>Offset of "A" or "A.B" inside KernelUContext.</summary>
    static int Offset(string path)
    {
        var parts = path.Split('.');
        var offset = (int)Marshal.OffsetOf<KernelUContext>(parts[0]);
        if (parts.Length > 1)
            offset += (int)Marshal.OffsetOf<KernelSigContext>(parts[1]);
        return offset;
    }
}
