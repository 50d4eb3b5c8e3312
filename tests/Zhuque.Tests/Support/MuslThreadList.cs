using System.Text;
using Zhuque.Interpose.Frames;
using Zhuque.Interpose.Image;

namespace Zhuque.Tests.Support;

/// <summary>
/// musl's thread list as a saved image holds it, against the threads the
/// image will recreate: what a resumed pthread_exit relies on when it
/// unlinks itself. Whole means: the thread list lock is free or held by a
/// saved thread; every saved thread is in one ring of next/prev links
/// whose members are all saved threads, except, while the lock is held,
/// one thread not linked yet (its creator, the holder, between clone and
/// linking it) or the holder unlinked from the ring (in pthread_exit).
/// struct pthread on x86_64 (musl 1.2.3 src/internal/pthread_impl.h):
/// self 0, dtv 8, prev 16, next 24, ..., tid 48, detach_state 56.
/// </summary>
public static class MuslThreadList
{
    const ulong Prev = 16, Next = 24, Tid = 48, DetachState = 56;

    /// <summary>Null when the list is whole, else what is wrong and every thread's links.</summary>
    public static string? Check(string image)
    {
        using var handle = File.OpenHandle(Path.Combine(image, "context"));
        var context = ContextReader.Read(handle);
        if (context.State != ZqState.Saved || context.Header.TlLock == 0)
            return null;
        using var memory = new ImageMemory(context.Regions,
            file => BackingFiles.RelativePath(file) is { } relative ? File.OpenHandle(Path.Combine(image, relative)) : null);
        var threads = context.Threads;
        var problems = new List<string>();
        var lockWord = memory.Read<int>(context.Header.TlLock);
        var holder = threads.FirstOrDefault(t => lockWord != 0 && t.Tid == lockWord);
        if (lockWord != 0 && holder.Tp == 0)
            problems.Add($"the thread list lock is held by tid {lockWord}, which is no saved thread");
        var byTp = threads.ToDictionary(t => t.Tp, t => t.Tid);
        int unlinked = 0;
        ulong start = 0;
        foreach (var t in threads)
        {
            ulong next = memory.Read<ulong>(t.Tp + Next), prev = memory.Read<ulong>(t.Tp + Prev);
            if (next == 0 || prev == 0)
            {
                if (holder.Tp == 0 || ++unlinked > 1 || !Creator(memory, holder, threads))
                    problems.Add($"tid {t.Tid} is not linked (next 0x{next:x}, prev 0x{prev:x}) and no saved creator holds the lock for it");
                continue;
            }
            if (next == t.Tp && prev == t.Tp)
            {
                if (t.Tid != holder.Tid && threads.Count > 1)
                    problems.Add($"tid {t.Tid} is unlinked (its links name itself) but does not hold the lock");
                continue;
            }
            if (!byTp.ContainsKey(next) || !byTp.ContainsKey(prev))
                problems.Add($"tid {t.Tid} links to a thread the image does not recreate (next 0x{next:x}, prev 0x{prev:x})");
            else if (memory.Read<ulong>(next + Prev) != t.Tp || memory.Read<ulong>(prev + Next) != t.Tp)
                problems.Add($"tid {t.Tid}: its neighbours do not link back to it");
            start = t.Tp;
        }
        if (problems.Count == 0 && start != 0)
        {
            var seen = new HashSet<ulong>();
            for (var p = start; seen.Add(p) && byTp.ContainsKey(p); p = memory.Read<ulong>(p + Next)) { }
            foreach (var t in threads.Where(t => !seen.Contains(t.Tp)))
            {
                ulong next = memory.Read<ulong>(t.Tp + Next);
                if (next != 0 && next != t.Tp)
                    problems.Add($"tid {t.Tid} is linked, but not in the ring that tid {byTp[start]} is in");
            }
        }
        if (problems.Count == 0)
            return null;
        var report = new StringBuilder();
        foreach (var p in problems)
            report.AppendLine(p);
        report.AppendLine($"lock {lockWord}; threads (tid, tp, rip, prev, next, tid field, detach_state):");
        foreach (var t in threads)
            report.AppendLine($"  {t.Tid} 0x{t.Tp:x} 0x{Rip(memory, t):x} 0x{memory.Read<ulong>(t.Tp + Prev):x} 0x{memory.Read<ulong>(t.Tp + Next):x} {memory.Read<int>(t.Tp + Tid)} {memory.Read<int>(t.Tp + DetachState)}");
        return report.ToString();
    }

    /// <summary>
    /// Whether the lock's holder can be creating a thread: it is in the ring
    /// with others, or alone in it (its links name itself) with no ring
    /// beside it. A holder whose links name itself while others are linked
    /// has unlinked itself in pthread_exit: the thread it would have to be
    /// linking is not its own.
    /// </summary>
    static bool Creator(ImageMemory memory, ZqThread holder, IReadOnlyList<ZqThread> threads)
    {
        var next = memory.Read<ulong>(holder.Tp + Next);
        if (next == 0)
            return false;
        return next != holder.Tp || !threads.Any(t => t.Tp != holder.Tp && memory.Read<ulong>(t.Tp + Next) is var n && n != 0 && n != t.Tp);
    }

    /// <summary>rip in the thread's saved frame: ucontext gregs (at 40) entry REG_RIP (16).</summary>
    static ulong Rip(ImageMemory memory, ZqThread t)
    {
        try
        {
            return memory.Read<ulong>(t.Frame + 40 + (16 * 8));
        }
        catch (ImageMemoryException)
        {
            return 0;
        }
    }
}
