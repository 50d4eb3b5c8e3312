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
            using var dir = ImageDirectory.OpenExisting(Locate(request.Image));
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

    /// <summary>A bare name that is not a path here is taken as an image under the default directory (as `list` shows them).</summary>
    static string Locate(string image)
    {
        if (image.Contains('/') || Directory.Exists(image))
            return image;
        var named = Path.Combine(ImageRoot.Path(), image);
        return Directory.Exists(named) ? named : image;
    }
}
