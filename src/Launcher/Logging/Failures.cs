using Serilog;

namespace Zhuque.Launcher.Logging;

/// <summary>Turns an exception that ends a verb into its one stderr line and exit code.</summary>
public static class Failures
{
    const int EPIPE = 32;

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
        // The stack trace reaches the file sink only; stderr gets one line.
        log.Error(e, "internal error: {Message}", OneLine(e.Message));
        return ReturnCode.UsageOrInternal;
    }

    public static string OneLine(string message) =>
        message.ReplaceLineEndings(" ").Trim();
}
