using System.Globalization;
using System.Text;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;
using Zhuque.Launcher.Native;

namespace Zhuque.Launcher.Logging;

/// <summary>
/// Writes each event to IMAGE/zhuque.log with one write(2) on an O_APPEND
/// descriptor. The runtime appends its own lines to the same file while
/// the program runs; a FileStream (what Serilog's file sink uses) writes at
/// a position of its own and would overwrite them.
/// </summary>
public sealed class AppendFileSink(FileDescriptor fd, ITextFormatter formatter) : ILogEventSink, IDisposable
{
    readonly Lock _gate = new();

    public void Emit(LogEvent logEvent)
    {
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        formatter.Format(logEvent, text);
        var bytes = Encoding.UTF8.GetBytes(text.ToString());
        lock (_gate)
            new FdWriteStream(fd.Number).Write(bytes);
    }

    public void Dispose() => fd.Dispose();
}
