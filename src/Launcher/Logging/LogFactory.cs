using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Sinks.SystemConsole.Themes;

namespace Zhuque.Launcher.Logging;

/// <summary>
/// Builds the Serilog loggers. stderr gets one plain line per event,
/// "zhuque: MESSAGE", warnings and up unless verbose, and never an
/// exception's stack trace (that goes to the image's zhuque.log only).
/// </summary>
public static class LogFactory
{
    const string ConsoleTemplate = "zhuque: {Message:lj}{NewLine}";
    const string FileTemplate =
        "{Timestamp:yyyy-MM-ddTHH:mm:ss.fffzzz} [{Level:u3}] zhuque[{ProcessId}] {Message:lj}{NewLine}{Exception}";

    public static Logger Console(bool verbose) => Base(verbose).CreateLogger();

    /// <summary>stderr plus IMAGE/zhuque.log, which the caller has created 0600 already.</summary>
    public static Logger ConsoleAndFile(bool verbose, string logPath) =>
        Base(verbose)
            .WriteTo.File(logPath,
                restrictedToMinimumLevel: verbose ? LogEventLevel.Debug : LogEventLevel.Information,
                outputTemplate: FileTemplate,
                formatProvider: System.Globalization.CultureInfo.InvariantCulture)
            .CreateLogger();

    static LoggerConfiguration Base(bool verbose) =>
        new LoggerConfiguration()
            .MinimumLevel.Debug()
            .Enrich.WithProperty("ProcessId", Environment.ProcessId)
            .WriteTo.Console(
                restrictedToMinimumLevel: verbose ? LogEventLevel.Debug : LogEventLevel.Warning,
                outputTemplate: ConsoleTemplate,
                standardErrorFromLevel: LogEventLevel.Verbose,
                theme: ConsoleTheme.None,
                formatProvider: System.Globalization.CultureInfo.InvariantCulture);
}
