using System.Globalization;
using Zhuque.Launcher.Images;

namespace Zhuque.Launcher.Inspect;

/// <summary>The human form of an InspectReport.</summary>
public static class TextReportWriter
{
    public static void Write(InspectReport report, TextWriter output)
    {
        var c = CultureInfo.InvariantCulture;
        output.WriteLine($"image:     {report.Image}");
        output.WriteLine($"program:   {report.Program ?? "(no manifest)"}");
        output.WriteLine($"sha256:    {report.ProgramSha256 ?? "-"}");
        output.WriteLine($"state:     {report.State}{StateNote(report)}");
        if (report.Pid is { } pid)
            output.WriteLine(string.Create(c, $"pid:       {pid}"));
        if (report.Started is { } started)
            output.WriteLine($"started:   {Time(started)}");
        if (report.ExitStatus is { } exit)
            output.WriteLine(string.Create(c, $"exit:      {exit}"));

        output.WriteLine(string.Create(c, $"regions:   {report.Regions.Count}"));
        if (report.Regions.Count > 0)
        {
            var fileWidth = Math.Max(4, report.Regions.Max(r => r.File.Length));
            output.WriteLine($"  {"start-end",-37} prot {"file".PadRight(fileWidth)} {"size",14} {"on disk",14}");
            foreach (var r in report.Regions)
                output.WriteLine(string.Create(c,
                    $"  {r.Start[2..]}-{r.End[2..]} {r.Protection} {r.File.PadRight(fileWidth)} {r.Size,14} {r.BytesOnDisk,14}"));
        }

        output.WriteLine(string.Create(c, $"history:   {report.History.Count}"));
        foreach (var h in report.History)
            output.WriteLine(Line(h));
    }

    static string StateNote(InspectReport report) => report.State switch
    {
        "running" when !report.InUse => " (no process holds the image: it died)",
        "saved" => $" (resume with: zhuque resume {report.Image})",
        _ => "",
    };

    public static string Time(DateTime time) => time.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    static string Line(HistoryEntry h)
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"  {Time(h.Time)} {h.Event,-8} pid {h.Pid}");
        if (h.Status is { } status)
            text += string.Create(CultureInfo.InvariantCulture, $" status {status}");
        if (h.Detail is { } detail)
            text += $" ({detail})";
        return text;
    }
}
