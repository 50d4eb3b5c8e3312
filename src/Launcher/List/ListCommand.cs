using System.Globalization;
using Zhuque.Launcher.Images;
using Zhuque.Launcher.Inspect;
using Zhuque.Launcher.Logging;

namespace Zhuque.Launcher.List;

/// <summary>
/// `zhuque list`: one line per image under the default directory: name,
/// state, program, bytes on disk of regions/, last event. An image that
/// cannot be read is listed with the reason instead of a state.
/// </summary>
public sealed class ListCommand(bool verbose, TextWriter output)
{
    sealed record Row(string Name, string State, string Program, string Bytes, string Last);

    public int Execute()
    {
        using var log = LogFactory.Console(verbose);
        try
        {
            var root = ImageRoot.Path();
            if (!Directory.Exists(root))
                return (int)ReturnCode.Success;
            var rows = Directory.EnumerateDirectories(root)
                .Order(StringComparer.Ordinal)
                .Select(Describe)
                .ToArray();
            Print(rows);
            return (int)ReturnCode.Success;
        }
        catch (Exception e)
        {
            return (int)Failures.Report(log, e);
        }
    }

    static Row Describe(string path)
    {
        var name = Path.GetFileName(path);
        try
        {
            using var dir = ImageDirectory.OpenExisting(path);
            var report = InspectReportBuilder.Build(dir);
            var last = report.History.Count == 0 ? "-" : Last(report.History[^1]);
            var bytes = DiskUsage.RegionsBytes(dir).ToString(CultureInfo.InvariantCulture);
            return new Row(name, report.State, report.Program ?? "-", bytes, last);
        }
        catch (ZhuqueException e)
        {
            var state = e.Code switch
            {
                ReturnCode.NotAnImage => "not-an-image",
                ReturnCode.ImageInsecure => "insecure",
                ReturnCode.ImageCorrupt => "corrupt",
                _ => "unreadable",
            };
            return new Row(name, state, "-", "-", "-");
        }
    }

    static string Last(HistoryEntry h) =>
        $"{h.Event} {TextReportWriter.Time(h.Time)}" +
        (h.Status is { } s ? string.Create(CultureInfo.InvariantCulture, $" status {s}") : "");

    void Print(IReadOnlyList<Row> rows)
    {
        if (rows.Count == 0)
            return;
        var name = rows.Max(r => r.Name.Length);
        var state = rows.Max(r => r.State.Length);
        var program = rows.Max(r => r.Program.Length);
        var bytes = rows.Max(r => r.Bytes.Length);
        foreach (var r in rows)
            output.WriteLine($"{r.Name.PadRight(name)}  {r.State.PadRight(state)}  {r.Program.PadRight(program)}  {r.Bytes.PadLeft(bytes)}  {r.Last}");
    }
}
