using System.Runtime.CompilerServices;
using Zhuque.Interpose.Core;
using Zhuque.Tests.Support;

namespace Zhuque.Tests;

/// <summary>The core file's records have the sizes gcc gives the system's own definitions.</summary>
public sealed class CoreStructSizeTests
{
    [Fact]
    public void EachRecordIsAsLargeAsTheSystemsOwn()
    {
        using var tmp = new TempDir();
        var source = tmp["sizes.c"];
        File.WriteAllText(source, """
            #include <elf.h>
            #include <stdio.h>
            #include <stddef.h>
            #include <sys/procfs.h>
            #include <sys/user.h>
            int main(void)
            {
                printf("%zu %zu %zu %zu %zu %zu\n", sizeof(Elf64_Ehdr), sizeof(struct user_regs_struct),
                       sizeof(struct elf_prstatus), offsetof(struct elf_prstatus, pr_reg),
                       sizeof(struct elf_prpsinfo), offsetof(struct elf_prpsinfo, pr_fname));
                return 0;
            }
            """);
        Proc.Check("gcc", "-o", tmp["sizes"], source);
        var want = Proc.Check(tmp["sizes"]).Trim();
        var prstatus = new ElfPrstatus();
        var info = new ElfPrpsinfo();
        var got = string.Join(' ', Unsafe.SizeOf<Elf64Ehdr>(), Unsafe.SizeOf<UserRegs>(), Unsafe.SizeOf<ElfPrstatus>(),
            Offset(ref prstatus, ref prstatus.Reg), Unsafe.SizeOf<ElfPrpsinfo>(), OffsetFname(ref info));
        Assert.Equal(want, got);
    }

    static long Offset<T, TField>(ref T record, ref TField field) =>
        Unsafe.ByteOffset(ref Unsafe.As<T, byte>(ref record), ref Unsafe.As<TField, byte>(ref field));

    static unsafe long OffsetFname(ref ElfPrpsinfo info)
    {
        fixed (ElfPrpsinfo* p = &info)
            return (byte*)p->Fname - (byte*)p;
    }
}
