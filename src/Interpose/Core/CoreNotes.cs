using System.Runtime.InteropServices;
using System.Text;

namespace Zhuque.Interpose.Core;

/// <summary>A file-backed range for NT_FILE: addresses, the file offset of start, and the file's path.</summary>
public sealed record CoreFileMapping(ulong Start, ulong End, ulong Offset, string Path);

/// <summary>What the notes describe besides the threads.</summary>
public sealed record CoreProcess(int Pid, string Program, string Arguments, IReadOnlyList<(ulong Type, ulong Value)> Auxv, IReadOnlyList<CoreFileMapping> Files, ulong Xcr0);

/// <summary>
/// The PT_NOTE segment, in the order the kernel writes it (fs/binfmt_elf.c)
/// and gdb expects: the first thread's NT_PRSTATUS, then the process's
/// NT_PRPSINFO, NT_AUXV and NT_FILE, then that thread's FP notes; then each
/// other thread's NT_PRSTATUS followed by its own FP notes. gdb ties an FP
/// note to the NT_PRSTATUS before it.
/// </summary>
public static class CoreNotes
{
    const uint SiUser = 0;

    public static byte[] Build(CoreProcess process, IReadOnlyList<CoreThread> threads)
    {
        var notes = new MemoryStream();
        for (var i = 0; i < threads.Count; i++)
        {
            var t = threads[i];
            Add(notes, "CORE", CoreConstants.NtPrstatus, Bytes(Prstatus(t, threads[0].Signo, process.Pid)));
            if (i == 0)
            {
                Add(notes, "CORE", CoreConstants.NtPrpsinfo, Bytes(Prpsinfo(process)));
                Add(notes, "CORE", CoreConstants.NtAuxv, Auxv(process.Auxv));
                Add(notes, "CORE", CoreConstants.NtFile, Files(process.Files));
            }
            if (t.Fxsave is { } fx)
                Add(notes, "CORE", CoreConstants.NtPrfpreg, UserFxsave(fx, 0));
            if (t.Xsave is { } xs)
                Add(notes, "LINUX", CoreConstants.NtX86Xstate, XsaveLayout.ForGdb(UserFxsave(xs, process.Xcr0), process.Xcr0));
        }
        return notes.ToArray();
    }

    /// <summary>Every thread carries the process's signal, as a kernel core's do (gdb reports the last one's).</summary>
    static ElfPrstatus Prstatus(CoreThread t, int signo, int pid)
    {
        var r = t.Registers;
        return new ElfPrstatus
        {
            InfoSigno = signo,
            InfoCode = (int)SiUser,
            Cursig = (short)signo,
            Sighold = t.Sigmask,
            Pid = t.Tid,
            Pgrp = pid,
            Reg = new UserRegs
            {
                R15 = r.R15, R14 = r.R14, R13 = r.R13, R12 = r.R12, Rbp = r.Rbp, Rbx = r.Rbx,
                R11 = r.R11, R10 = r.R10, R9 = r.R9, R8 = r.R8, Rax = r.Rax, Rcx = r.Rcx,
                Rdx = r.Rdx, Rsi = r.Rsi, Rdi = r.Rdi,
                OrigRax = ulong.MaxValue, // no system call to restart: the frame says nothing of one
                Rip = r.Rip, Cs = r.Cs, Eflags = r.Eflags, Rsp = r.Rsp, Ss = r.Ss,
                FsBase = t.Tp,
            },
            Fpvalid = t.Fxsave is null ? 0 : 1,
        };
    }

    static unsafe ElfPrpsinfo Prpsinfo(CoreProcess p)
    {
        var info = new ElfPrpsinfo { State = 0, Sname = (byte)'R', Pid = p.Pid, Pgrp = p.Pid, Sid = p.Pid };
        Copy(Encoding.UTF8.GetBytes(Path.GetFileName(p.Program)), new Span<byte>(info.Fname, 16));
        Copy(Encoding.UTF8.GetBytes(p.Arguments), new Span<byte>(info.Psargs, 80));
        return info;
    }

    /// <summary>At most length - 1 bytes: the kernel's fields end with a NUL.</summary>
    static void Copy(byte[] from, Span<byte> to) => from.AsSpan(0, Math.Min(from.Length, to.Length - 1)).CopyTo(to);

    static byte[] Auxv(IReadOnlyList<(ulong Type, ulong Value)> auxv)
    {
        var words = new List<ulong>();
        foreach (var (type, value) in auxv)
            words.AddRange([type, value]);
        words.AddRange([0, 0]); // AT_NULL
        return MemoryMarshal.AsBytes(words.ToArray().AsSpan()).ToArray();
    }

    /// <summary>count, page size, then (start, end, offset in pages) each, then the NUL-terminated names.</summary>
    static byte[] Files(IReadOnlyList<CoreFileMapping> files)
    {
        var s = new MemoryStream();
        using (var w = new BinaryWriter(s, Encoding.UTF8, leaveOpen: true))
        {
            w.Write((ulong)files.Count);
            w.Write(CoreConstants.PageSize);
            foreach (var f in files)
            {
                w.Write(f.Start);
                w.Write(f.End);
                w.Write(f.Offset / CoreConstants.PageSize);
            }
            foreach (var f in files)
            {
                w.Write(Encoding.UTF8.GetBytes(f.Path));
                w.Write((byte)0);
            }
        }
        return s.ToArray();
    }

    /// <summary>
    /// An fxsave or xsave area as ptrace gives it: where a signal frame
    /// keeps struct _fpx_sw_bytes, a core keeps XCR0 (its first word; the
    /// rest zero), from which gdb learns which components the area holds.
    /// </summary>
    static byte[] UserFxsave(byte[] area, ulong xcr0)
    {
        var copy = (byte[])area.Clone();
        var sw = copy.AsSpan(CoreConstants.SwReservedOffset, CoreConstants.FxsaveSize - CoreConstants.SwReservedOffset);
        sw.Clear();
        if (xcr0 != 0)
            BitConverter.TryWriteBytes(sw, xcr0);
        return copy;
    }

    static byte[] Bytes<T>(T value) where T : unmanaged =>
        MemoryMarshal.AsBytes(new ReadOnlySpan<T>(ref value)).ToArray();

    /// <summary>An ELF note: namesz, descsz, type, the name with its NUL, the descriptor, each padded to 4.</summary>
    static void Add(MemoryStream notes, string name, uint type, byte[] desc)
    {
        var n = Encoding.ASCII.GetBytes(name + "\0");
        Span<byte> head = stackalloc byte[12];
        BitConverter.TryWriteBytes(head, (uint)n.Length);
        BitConverter.TryWriteBytes(head[4..], (uint)desc.Length);
        BitConverter.TryWriteBytes(head[8..], type);
        notes.Write(head);
        notes.Write(n);
        Pad(notes);
        notes.Write(desc);
        Pad(notes);
    }

    static void Pad(MemoryStream s)
    {
        while (s.Length % 4 != 0)
            s.WriteByte(0);
    }
}
