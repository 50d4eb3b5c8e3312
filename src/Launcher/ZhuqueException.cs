namespace Zhuque.Launcher;

/// <summary>
/// An expected failure: bad input, an unusable image, a missing program.
/// It carries its exit code and the one line shown to the user (without the
/// "zhuque: " prefix); it is never shown with a stack trace.
/// </summary>
public sealed class ZhuqueException(ReturnCode code, string message) : Exception(message)
{
    public ReturnCode Code { get; } = code;
}
