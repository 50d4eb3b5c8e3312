using Serilog;

namespace Zhuque.Launcher.Logging;

/// <summary>Turns an exception that ends a verb into its one stderr line and exit code.</summary>
public static class Failures
{
    const int EPIPE = 32;
    const int ENOSPC = 28;
    const int EDQUOT = 122;

    public static ReturnCode Report(ILogger log, Exception e)
    {
        // The reader of our output went away (`zhuque inspect X | head`): end
        // quietly with the status SIGPIPE would have given, as C tools do.
        if (e is IOException { HResult: EPIPE })
            return ReturnCode.BrokenPipe;
        if (e is ZhuqueException z)
        {
            log.Error("{Message}", OneLine(z.Message));
            return z.Code;
        }
        // A full filesystem is the user's to mend, not a fault of zhuque's.
        if (e is IOException { HResult: ENOSPC or EDQUOT })
        {
            log.Error("no space for the image: {Message}", OneLine(e.Message));
            return ReturnCode.UsageOrInternal;
        }
        // The stack trace reaches the file sink only; stderr gets one line.
        log.Error(e, "internal error: {Message}", OneLine(e.Message));
        return ReturnCode.UsageOrInternal;
    }

    public static string OneLine(string message) =>
        message.ReplaceLineEndings(" ").Trim();
}
