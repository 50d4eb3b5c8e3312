using Zhuque.Launcher.Images;

namespace Zhuque.Launcher.Inspect;

/// <summary>
/// What `inspect` shows, in text or as JSON. State is "none" when the image
/// has no context yet; Pid is set only while a process holds the image lock:
/// the program's pid inside its own pid namespace (the context's), and
/// OuterPid the same process as zhuque sees it, to signal it by.
/// Failures and Resumes come from the context, and SectionsCaught: how many
/// of those failures found a thread inside a runtime section (the lock held); LastSaved, SaveNs (how long
/// the capture took) and SyncNs (of which msync) once a failure was saved;
/// Threads only while the image holds a saved failure, and with them the
/// Descriptors saved at the failure and the SignalHandlers the program had
/// set (or, SignalHandlers null, SignalHandlersUnknown says why they cannot
/// be known). Checksum, for a
/// saved image only: "ok" or "MISMATCH" (resume refuses the latter; inspect
/// shows it all the same). Lost, for a failure the runtime could not
/// save: why, as run and crash said it. Space, once a context exists: "reserved" (memory
/// takes its file space when mapped) or "lazy" (run --lazy-space).
/// MappedFiles: the files the program mapped read-only, which a resume
/// maps again from their paths.
/// </summary>
public sealed record InspectReport(
    string Image,
    string? Program,
    string? ProgramSha256,
    string State,
    string? Checksum,
    string? Lost,
    string? Space,
    bool InUse,
    int? Pid,
    int? OuterPid,
    DateTime? Started,
    int? ExitStatus,
    uint? Failures,
    uint? Resumes,
    uint? SectionsCaught,
    DateTime? LastSaved,
    ulong? SaveNs,
    ulong? SyncNs,
    IReadOnlyList<ThreadReport>? Threads,
    IReadOnlyList<DescriptorReport>? Descriptors,
    IReadOnlyList<SignalHandlerReport>? SignalHandlers,
    string? SignalHandlersUnknown,
    IReadOnlyList<RegionReport> Regions,
    IReadOnlyList<MappedFileReport> MappedFiles,
    IReadOnlyList<HistoryEntry> History);

/// <summary>
/// A file the program mapped read-only: not in the image, mapped again from
/// Path at resume once its device, inode, size and modification time are
/// these. Regions names it by its path.
/// </summary>
public sealed record MappedFileReport(
    string Path,
    bool Shared,
    ulong Device,
    ulong Inode,
    ulong Size,
    DateTimeOffset? Modified,
    bool Writable,
    string? ContentHash);

/// <summary>One row of the region table; addresses in hex, sizes in bytes.</summary>
public sealed record RegionReport(
    string Start,
    string End,
    string Protection,
    string File,
    ulong Size,
    long BytesOnDisk);

/// <summary>
/// A thread captured at the failure: its tid then, the signal that stopped
/// it (SIGPWR for the thread that took the failure, ZQSTOP for the others),
/// its thread pointer and the address of its signal frame; then either its
/// registers and signal mask from that frame, or Error. Function: the
/// program's function (.symtab) that holds rip, as "name+0x1f", when known.
/// From the program's debug information, each null when unknown (no -g,
/// stripped, the program gone or changed since the save): Source, the
/// line of the interrupted instruction; Backtrace, the frames of its
/// stack; Disassembly, the instructions around rip.
/// </summary>
public sealed record ThreadReport(
    int Tid,
    int Signo,
    string Signal,
    string State,
    string Tp,
    string Frame,
    string? Function,
    SourceLine? Source,
    RegistersReport? Registers,
    string? SignalMask,
    IReadOnlyList<FrameReport>? Backtrace,
    IReadOnlyList<InstructionReport>? Disassembly,
    string? Error);

/// <summary>The general registers of a saved frame (struct sigcontext), in hex, by their kernel names.</summary>
public sealed record RegistersReport(
    string Rip,
    string Rsp,
    string Rbp,
    string Rax,
    string Rbx,
    string Rcx,
    string Rdx,
    string Rsi,
    string Rdi,
    string R8,
    string R9,
    string R10,
    string R11,
    string R12,
    string R13,
    string R14,
    string R15,
    string Eflags,
    string Cs,
    string Ss,
    string Fs,
    string Gs,
    string Err,
    string Trapno,
    string Oldmask,
    string Cr2,
    string Fpstate);
