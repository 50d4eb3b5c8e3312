using Microsoft.Win32.SafeHandles;
using Zhuque.Interpose.Frames;
using Zhuque.Interpose.Image;
using Zhuque.Tests.Support;

namespace Zhuque.Tests;

/// <summary>
/// Decoding saved register frames from region files: the address is found
/// in the region table and read at region.offset + (address - start) of the
/// region's file; every way that can fail is reported on its thread.
/// </summary>
public sealed class ThreadFrameReaderTests : IDisposable
{
    readonly TempDir _tmp = new();

    static readonly ZqRegion Stack = ContextBuilder.TypicalRegions[2];

    SafeFileHandle? Open(ZqFile file)
    {
        var path = Path.Combine(_tmp.Path, BackingFiles.RelativePath(file) ?? "none");
        return File.Exists(path) ? File.OpenHandle(path) : null;
    }

    IReadOnlyList<SavedThread> Read(ZqRegion[] regions, params ZqThread[] threads)
    {
        var context = new Context(ContextBuilder.Header(ZqState.Saved, 1, regions), regions, threads, null, 0);
        using var memory = new ImageMemory(regions, Open);
        return ThreadFrameReader.Read(context, memory);
    }

    static KernelUContext Frame(ulong rip, ulong rsp)
    {
        var frame = new KernelUContext { UcSigmask = 1UL << 34, UcStackSp = 0x1234 };
        frame.UcMcontext.Rip = rip;
        frame.UcMcontext.Rsp = rsp;
        frame.UcMcontext.Rax = 0xaaaa;
        frame.UcMcontext.R15 = 0xf15;
        frame.UcMcontext.Eflags = 0x246;
        frame.UcMcontext.Cs = 0x33;
        frame.UcMcontext.Ss = 0x2b;
        return frame;
    }

    [Fact]
    public void AFrameOnTheStackIsDecoded()
    {
        // The stack region starts 64 KiB below the top at offset 64 KiB of
        // regions/stack, so a frame 2 KiB below the top is at 0x1f800 in the file.
        var at = Layout.StackTop - 0x800;
        Directory.CreateDirectory(_tmp["regions"]);
        using (var f = File.OpenHandle(_tmp["regions/stack"], FileMode.Create, FileAccess.Write))
        {
            var frame = Frame(0x401136, at + 0x400);
            RandomAccess.Write(f, System.Runtime.InteropServices.MemoryMarshal.AsBytes(new ReadOnlySpan<KernelUContext>(in frame)), 0x1f800);
        }
        var t = Assert.Single(Read(ContextBuilder.TypicalRegions, ContextBuilder.Thread(77, at)));
        Assert.Null(t.Error);
        var r = t.Registers!.Value;
        Assert.Equal(0x401136UL, r.Rip);
        Assert.Equal(at + 0x400, r.Rsp);
        Assert.Equal(0xaaaaUL, r.Rax);
        Assert.Equal(0xf15UL, r.R15);
        Assert.Equal(0x246UL, r.Eflags);
        Assert.Equal((ushort)0x33, r.Cs);
        Assert.Equal((ushort)0x2b, r.Ss);
        Assert.Equal(1UL << 34, t.Frame!.Value.UcSigmask);
        Assert.Equal(77, t.Entry.Tid);
    }

    [Fact]
    public void AFrameAcrossTwoRegionsIsReadFromBoth()
    {
        // Two regions of one file that the kernel keeps apart (different protections).
        ZqRegion[] regions =
        [
            ContextBuilder.Region(0x10000, 0x11000, ZqFile.Arena, 3, 0x10000),
            ContextBuilder.Region(0x11000, 0x12000, ZqFile.Arena, 1, 0x11000),
        ];
        var at = 0x10f80UL; // 128 bytes in the first, the rest in the second
        ContextBuilder.Store(_tmp.Path, regions[0], at, Frame(0x4011aa, 0x10f00));
        var r = Assert.Single(Read(regions, ContextBuilder.Thread(5, at))).Registers!.Value;
        Assert.Equal(0x4011aaUL, r.Rip);
        Assert.Equal(0x10f00UL, r.Rsp);
    }

    [Fact]
    public void EachBadFrameIsReportedOnItsThreadAndTheOthersAreStillRead()
    {
        var good = Layout.StackTop - 0x800;
        ContextBuilder.Store(_tmp.Path, Stack, good, Frame(0x401136, good));
        ContextBuilder.Store(_tmp.Path, Stack, Layout.StackTop - 8, 0UL); // the file covers the whole region
        var regions = ContextBuilder.TypicalRegions;
        var threads = Read(regions,
            ContextBuilder.Thread(1, 0x7000_0000_0000),                   // in no region
            ContextBuilder.Thread(2, good),                               // fine
            ContextBuilder.Thread(3, 0x402000),                           // regions/data does not exist
            ContextBuilder.Thread(4, Layout.StackTop - 0x100),            // runs past the end of the stack region
            ContextBuilder.Thread(5, 0x400100),                           // in the program file, not the image
            ContextBuilder.Thread(6, 0),                                  // no frame recorded
            ContextBuilder.Thread(7, good) with { State = (uint)ZqThreadState.Free });
        Assert.Equal(7, threads.Count);
        Assert.Contains("in no saved region", threads[0].Error);
        Assert.Null(threads[1].Error);
        Assert.Equal(0x401136UL, threads[1].Registers!.Value.Rip);
        Assert.Contains("regions/data", threads[2].Error);
        Assert.Contains("does not hold", threads[2].Error);
        Assert.Contains("in no saved region", threads[3].Error);
        Assert.Contains("program file", threads[4].Error);
        Assert.Contains("no frame", threads[5].Error);
        Assert.Contains("not captured", threads[6].Error);
        Assert.All(threads.Where(t => t.Error is not null), t => Assert.Null(t.Frame));
    }

    [Fact]
    public void AShortFileIsReportedNotThrown()
    {
        // regions/stack holds only the first bytes of its region: the frame lies past its end.
        ContextBuilder.Store(_tmp.Path, Stack, Stack.Start, 0UL);
        var t = Assert.Single(Read(ContextBuilder.TypicalRegions, ContextBuilder.Thread(9, Layout.StackTop - 0x800)));
        Assert.Contains("regions/stack ends at", t.Error);
        Assert.Null(t.Registers);
    }

    public void Dispose() => _tmp.Dispose();
}
