using System.Security.Cryptography;
using Serilog;
using Serilog.Core;
using Zhuque.Launcher.Images;
using Zhuque.Launcher.Logging;

namespace Zhuque.Launcher.Run;

/// <summary>
/// `zhuque run`: check the program, open and lock the image, clear the last
/// run, write the manifest, start the shim and supervise it to the end.
/// Each step that can refuse does so before anything is deleted.
/// </summary>
public sealed class RunCommand(RunRequest request, string shimPath)
{
    public int Execute()
    {
        using var console = LogFactory.Console(request.Verbose);
        Logger? fileLog = null;
        ILogger log = console;
        try
        {
            var program = ProgramResolver.Resolve(request.Command[0], Environment.GetEnvironmentVariable("PATH"));
            ProgramValidator.Validate(program);
            using var dir = ImageDirectory.OpenOrCreate(request.Image ?? ImageRoot.ForProgram(program.AsTyped));
            if (!dir.IsImage && !dir.IsFreshOrPreliminary)
                throw new ZhuqueException(ReturnCode.NotAnImage,
                    $"{dir.Path} is not a Zhuque image (it holds other files); choose another --image");
            fileLog = LogFactory.ConsoleAndFile(request.Verbose, dir.EnsurePrivateFile(ImageFiles.Log));
            log = fileLog;
            using var imageLock = ImageLock.TryAcquire(dir) ?? throw Busy(dir);
            var previous = ImagePreparer.Prepare(dir, request.Fresh, log);
            var manifest = NewManifest(previous, program);
            ManifestStore.Write(dir, manifest);
            return Supervise(dir, imageLock, program, manifest, log);
        }
        catch (Exception e)
        {
            return (int)Failures.Report(log, e);
        }
        finally
        {
            fileLog?.Dispose();
        }
    }

    int Supervise(ImageDirectory dir, ImageLock imageLock, ResolvedProgram program, Manifest manifest, ILogger log)
    {
        int pid;
        using (var forwarder = new SignalForwarder())
        {
            pid = ShimSpawner.Spawn(shimPath,
                ShimSpawner.Arguments(shimPath, dir.Fd, imageLock.Fd, program, request.Command.Skip(1)),
                dir.Fd, imageLock.Fd);
            forwarder.Attach(pid);
            log.Information("started {Program} as pid {Pid} in {Image}", program.Path, pid, dir.Path);
            manifest = manifest.Append(new HistoryEntry(DateTime.UtcNow, HistoryEvents.Run, pid));
            TryWrite(dir, manifest, log);
            ChildWaiter.WaitUntilEnded(pid);
        }
        var status = ChildWaiter.Reap(pid);
        var result = ExitRecorder.Record(dir, status, pid, manifest, log);
        ManifestStore.Write(dir, result.Manifest);
        log.Information("pid {Pid} ended (wait status 0x{Status:x}); zhuque returns {Code}", pid, status.Raw, result.ExitStatus);
        return result.ExitStatus;
    }

    Manifest NewManifest(Manifest? previous, ResolvedProgram program) => new(
        Manifest.CurrentFormatVersion,
        program.Path,
        Sha256(program.Path),
        [program.AsTyped, .. request.Command.Skip(1)],
        Environment.CurrentDirectory,
        previous?.Created ?? DateTime.UtcNow,
        previous?.History ?? []);

    /// <summary>The program runs already: a failed write is logged, never a reason to stop supervising.</summary>
    static void TryWrite(ImageDirectory dir, Manifest manifest, ILogger log)
    {
        try
        {
            ManifestStore.Write(dir, manifest);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.Warning(e, "cannot record the run in {Manifest}: {Message}", dir.File(ImageFiles.Manifest), e.Message);
        }
    }

    static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    static ZhuqueException Busy(ImageDirectory dir)
    {
        var pid = "unknown";
        try
        {
            if (ContextFile.Read(dir) is { } context && context.Header.Pid > 0)
                pid = context.Header.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (ZhuqueException)
        {
            // A context being written by its owner may not read cleanly yet.
        }
        return new ZhuqueException(ReturnCode.ImageBusy, $"image {dir.Path} is in use by a running process (pid {pid})");
    }
}
