namespace Zhuque.Launcher;

/// <summary>
/// zhuque's own exit codes. Besides these, `run` returns the program's own
/// status, or 128+N when signal N killed it (the shell's convention), so
/// zhuque's codes sit just below 125 where programs rarely go, and none is
/// 124, which timeout(1) returns when it times out: a script running
/// `timeout 60 zhuque resume X` can tell a refusal from a hang. Documented
/// in docs/cli.md; keep the two together.
/// </summary>
public enum ReturnCode
{
    Success = 0,
    CrashPending = 116,     // crash: SIGPWR delivered to a stopped program; it is saved when the program continues
    PowerFailureNotSaved = 117, // run, resume, crash: a power failure came and could not be saved (state lost)
    ProgramChanged = 118,   // resume: the program file or the working directory is not what was saved
    NotAnImage = 119,       // not a Zhuque image, or no image there
    ImageInsecure = 120,    // owner, mode or symlink make the directory unsafe to use
    ImageBusy = 121,        // another process holds IMAGE/lock
    ImageCorrupt = 122,     // bad magic or ABI version, truncated context, unreadable manifest
    ImageNeedsFresh = 123,  // holds a run that must not be overwritten silently; or not the state the verb needs
    UsageOrInternal = 125,  // bad command line, or zhuque itself failed
    CannotExecute = 126,    // the program exists but cannot be run under Zhuque
    NotFound = 127,         // the program does not exist
    SignalBase = 128,       // 128+N: the program was killed by signal N
    BrokenPipe = 141,       // 128+SIGPIPE: zhuque's own output pipe was closed
    PowerFailureSaved = 158, // 128+SIGPWR: a failure was saved, the image is resumable
}
