using System.Text.Json;
using Zhuque.Launcher.Images;
using Zhuque.Launcher.Logging;

namespace Zhuque.Launcher.Inspect;

/// <summary>`zhuque inspect`: reads an image and prints it; it never writes to the image.</summary>
public sealed class InspectCommand(InspectRequest request, TextWriter output)
{
    public int Execute()
    {
        using var log = LogFactory.Console(request.Verbose);
        try
        {
            using var dir = ImageDirectory.OpenExisting(ImageRoot.Locate(request.Image));
            var report = InspectReportBuilder.Build(dir);
            if (request.Json)
                output.WriteLine(JsonSerializer.Serialize(report, ZhuqueJsonContext.Default.InspectReport));
            else
                TextReportWriter.Write(report, output);
            return (int)ReturnCode.Success;
        }
        catch (Exception e)
        {
            return (int)Failures.Report(log, e);
        }
    }
}
