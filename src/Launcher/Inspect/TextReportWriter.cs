using System.Globalization;
using Zhuque.Launcher.Images;
using Zhuque.Launcher.Supervision;

namespace Zhuque.Launcher.Inspect;

/// <summary>The human form of an InspectReport.</summary>
public static class TextReportWriter
{
    public static void Write(InspectReport report, TextWriter output)
    {
        var c = CultureInfo.InvariantCulture;
        output.WriteLine($"image:     {report.Image}");
        output.WriteLine($"program:   {report.Program ?? "(no manifest)"}");
        output.WriteLine($"sha256:    {report.ProgramSha256 ?? "-"}");
        output.WriteLine($"state:     {report.State}{StateNote(report)}");
        if (report.Checksum is { } checksum)
            output.WriteLine($"checksum:  {checksum}");
        if (report.Lost is { } lost)
            output.WriteLine($"lost:      {lost}");
        if (report.Space is { } space)
            output.WriteLine($"space:     {(space == "lazy" ? "taken at first store (--lazy-space)" : "reserved when mapped")}");
        if (report.Pid is { } pid)
            output.WriteLine(string.Create(c, $"pid:       {pid}{(report.OuterPid is { } outer ? $" (outside its pid namespace: {outer})" : "")}"));
        if (report.Started is { } started)
            output.WriteLine($"started:   {Time(started)}");
        if (report.ExitStatus is { } exit)
            output.WriteLine(string.Create(c, $"exit:      {exit}"));
        if (report.Failures is { } failures)
            output.WriteLine(string.Create(c, $"failures:  {failures}{LastFailure(report)}"));
        if (report.Resumes is { } resumes)
            output.WriteLine(string.Create(c, $"resumes:   {resumes}"));
        if (report.SectionsCaught is { } caught && caught > 0)
            output.WriteLine(string.Create(c, $"sections:  {caught} failures caught a thread inside the runtime"));
        if (report.Threads is { } threads)
            WriteThreads(threads, output);
        if (report.Descriptors is { } descriptors)
            WriteDescriptors(descriptors, output);
        if (report.SignalHandlers is { } handlers)
            WriteSignalHandlers(handlers, output);
        else if (report.SignalHandlersUnknown is { } unknown)
            output.WriteLine($"signal handlers: unknown ({unknown})");

        output.WriteLine(string.Create(c, $"regions:   {report.Regions.Count}"));
        if (report.Regions.Count > 0)
        {
            var fileWidth = Math.Max(4, report.Regions.Max(r => r.File.Length));
            output.WriteLine($"  {"start-end",-37} prot {"file".PadRight(fileWidth)} {"size",14} {"on disk",14}");
            foreach (var r in report.Regions)
                output.WriteLine(string.Create(c,
                    $"  {r.Start[2..]}-{r.End[2..]} {r.Protection} {r.File.PadRight(fileWidth)} {r.Size,14} {r.BytesOnDisk,14}"));
        }

        if (report.MappedFiles.Count > 0)
        {
            output.WriteLine(string.Create(c, $"mapped files: {report.MappedFiles.Count} (not in the image; mapped again from their paths at resume)"));
            foreach (var m in report.MappedFiles)
                output.WriteLine(string.Create(c,
                    $"  {m.Path} {(m.Shared ? "shared" : "private")}{(m.Writable ? " writable" : "")}, dev {m.Device} inode {m.Inode}, {m.Size} bytes, modified {m.Modified?.UtcDateTime.ToString("o", c) ?? "?"}{(m.ContentHash is { } h ? ", hash " + h : "")}"));
        }

        output.WriteLine(string.Create(c, $"history:   {report.History.Count}"));
        foreach (var h in report.History)
            output.WriteLine(Line(h));
    }

    static string LastFailure(InspectReport report) =>
        report.LastSaved is { } saved
            ? $" (last saved {Time(saved)}: capture {ExitRecorder.Milliseconds(report.SaveNs ?? 0)} ms, " +
              $"of which msync {ExitRecorder.Milliseconds(report.SyncNs ?? 0)} ms)"
            : "";

    /// <summary>One block per thread: who it was, then its registers four to a line (or why they are unknown).</summary>
    static void WriteThreads(IReadOnlyList<ThreadReport> threads, TextWriter output)
    {
        var c = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(c, $"threads:   {threads.Count}"));
        foreach (var t in threads)
        {
            output.WriteLine(string.Create(c, $"  tid {t.Tid} {t.State}, stopped by {t.Signal}, tp {t.Tp[2..]}, frame {t.Frame[2..]}"));
            if (Where(t.Function, t.Source) is { } where)
                output.WriteLine($"    {where}");
            if (t.Registers is not { } r)
            {
                output.WriteLine($"    ({t.Error})");
                continue;
            }
            string[][] lines =
            [
                ["rip", r.Rip, "rsp", r.Rsp, "rbp", r.Rbp, "eflags", r.Eflags],
                ["rax", r.Rax, "rbx", r.Rbx, "rcx", r.Rcx, "rdx", r.Rdx],
                ["rsi", r.Rsi, "rdi", r.Rdi, "r8", r.R8, "r9", r.R9],
                ["r10", r.R10, "r11", r.R11, "r12", r.R12, "r13", r.R13],
                ["r14", r.R14, "r15", r.R15, "cs", r.Cs, "ss", r.Ss],
            ];
            foreach (var line in lines)
                output.WriteLine("    " + string.Join("  ", line.Chunk(2).Select(p => $"{p[0],-3} {p[1][2..]}")).TrimEnd());
            WriteBacktrace(t.Backtrace, output);
            WriteDisassembly(t.Disassembly, output);
        }
    }

    /// <summary>One line per descriptor: number, kind, status flags (and FD_CLOEXEC), then what it is.</summary>
    static void WriteDescriptors(IReadOnlyList<DescriptorReport> descriptors, TextWriter output)
    {
        var c = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(c, $"descriptors: {descriptors.Count}"));
        if (descriptors.Count == 0)
            return;
        var flags = descriptors.Select(d => d.Cloexec ? d.Flags + " FD_CLOEXEC" : d.Flags).ToArray();
        var kindWidth = descriptors.Max(d => d.Kind.Length);
        var flagsWidth = flags.Max(f => f.Length);
        for (var i = 0; i < descriptors.Count; i++)
        {
            var d = descriptors[i];
            output.WriteLine(string.Create(c, $"  {d.Fd,4} {d.Kind.PadRight(kindWidth)} {flags[i].PadRight(flagsWidth)} {d.Detail}"));
        }
    }

    /// <summary>One line per disposition: signal, handler (and its address), flags, the signals it blocks.</summary>
    static void WriteSignalHandlers(IReadOnlyList<SignalHandlerReport> handlers, TextWriter output)
    {
        var c = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(c, $"signal handlers: {handlers.Count}"));
        if (handlers.Count == 0)
            return;
        var handler = handlers.Select(h => h.Address is { } a ? $"{h.Handler} at 0x{a[2..].TrimStart('0')}" : h.Handler).ToArray();
        var signalWidth = handlers.Max(h => h.Signal.Length);
        var handlerWidth = handler.Max(h => h.Length);
        var flagsWidth = handlers.Max(h => h.Flags.Length);
        for (var i = 0; i < handlers.Count; i++)
        {
            var h = handlers[i];
            var mask = SignalSet.Names(Convert.ToUInt64(h.Mask[2..], 16));
            output.WriteLine($"  {h.Signal.PadRight(signalWidth)} {handler[i].PadRight(handlerWidth)} {h.Flags.PadRight(flagsWidth)} mask {mask}");
        }
    }

    /// <summary>"in spin_here+0x4 at /src/spin.c:12", or what of it is known.</summary>
    static string? Where(string? function, SourceLine? source) => (function, source) switch
    {
        (null, null) => null,
        (_, null) => $"in {function}",
        (null, _) => $"at {source.File}:{source.Line.ToString(CultureInfo.InvariantCulture)}",
        _ => $"in {function} at {source.File}:{source.Line.ToString(CultureInfo.InvariantCulture)}",
    };

    /// <summary>One line per frame: #N pc function at file:line ("??" for an unknown function).</summary>
    static void WriteBacktrace(IReadOnlyList<FrameReport>? frames, TextWriter output)
    {
        if (frames is null)
            return;
        output.WriteLine("    backtrace:");
        foreach (var f in frames)
        {
            var line = string.Create(CultureInfo.InvariantCulture, $"      #{f.Index,-2} {f.Pc[2..]} {f.Function ?? "??"}");
            if (f.Source is { } s)
                line += string.Create(CultureInfo.InvariantCulture, $" at {s.File}:{s.Line}");
            output.WriteLine(line);
        }
    }

    /// <summary>The code around rip, "=>" on the instruction the thread stopped at.</summary>
    static void WriteDisassembly(IReadOnlyList<InstructionReport>? instructions, TextWriter output)
    {
        if (instructions is null)
            return;
        output.WriteLine("    code (AT&T syntax):");
        var bytesWidth = instructions.Max(i => i.Bytes.Length);
        foreach (var i in instructions)
            output.WriteLine($"    {(i.AtRip ? "=>" : "  ")} {i.Address[2..]}  {i.Bytes.PadRight(bytesWidth)}  {i.Text}");
    }

    static string StateNote(InspectReport report) => report.State switch
    {
        "running" when !report.InUse => " (no process holds the image: it died)",
        "saved" => $" (resume with: zhuque resume {report.Image})",
        _ => "",
    };

    public static string Time(DateTime time) => time.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    static string Line(HistoryEntry h)
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"  {Time(h.Time)} {h.Event,-8} pid {h.Pid}");
        if (h.Status is { } status)
            text += string.Create(CultureInfo.InvariantCulture, $" status {status}");
        if (h.Detail is { } detail)
            text += $" ({detail})";
        return text;
    }
}
