namespace Zhuque.Launcher.Images;

/// <summary>IMAGE/manifest.json: what was run, where, and what happened to it since.</summary>
public sealed record Manifest(
    int FormatVersion,
    string Program,
    string ProgramSha256,
    IReadOnlyList<string> Argv,
    string Cwd,
    DateTime Created,
    IReadOnlyList<HistoryEntry> History,
    string? SnapshotOf = null) // a snapshot (zhuque snapshot): the image it was taken of
{
    public const int CurrentFormatVersion = 1;

    public Manifest Append(HistoryEntry entry) => this with { History = [.. History, entry] };
}

/// <summary>One event in an image's life. Status is the exit status zhuque returned for it.</summary>
public sealed record HistoryEntry(DateTime Time, string Event, int Pid, int? Status = null, string? Detail = null);

/// <summary>The values of HistoryEntry.Event (docs/cli.md lists them).</summary>
public static class HistoryEvents
{
    public const string Run = "run";                    // the program was started afresh
    public const string Resume = "resume";              // a saved image was resumed
    public const string Exit = "exit";                  // it exited by itself; memory released
    public const string Failure = "failure";            // a power failure was saved: resumable (time: when it was saved)
    public const string Lost = "lost";                  // a signal killed it without a save
    public const string Faulted = "faulted";            // it crashed itself (SIGSEGV, SIGBUS, ...)
    public const string Snapshot = "snapshot";          // this image is a snapshot of a running one (detail: which, and its pause)
    public const string ResumeFailed = "resume-failed"; // the shim ended before the program continued; the image still holds its failure
}
