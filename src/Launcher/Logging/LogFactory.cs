using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Display;
using Serilog.Sinks.SystemConsole.Themes;
using Zhuque.Launcher.Images;

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

    /// <summary>stderr plus IMAGE/zhuque.log (created 0600 if missing, appended to).</summary>
    public static Logger ConsoleAndFile(bool verbose, ImageDirectory dir) =>
        Base(verbose)
            .WriteTo.Sink(
                new AppendFileSink(dir.OpenForAppend(ImageFiles.Log),
                    new MessageTemplateTextFormatter(FileTemplate, System.Globalization.CultureInfo.InvariantCulture)),
                restrictedToMinimumLevel: verbose ? LogEventLevel.Debug : LogEventLevel.Information)
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
