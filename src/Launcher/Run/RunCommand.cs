using Serilog;
using Serilog.Core;
using Zhuque.Launcher.Images;
using Zhuque.Launcher.Logging;
using Zhuque.Launcher.Supervision;

namespace Zhuque.Launcher.Run;

/// <summary>
/// `zhuque run`: check the program, open and lock the image; if it holds a
/// saved failure of this program, resume it (RunOrResume); else clear the
/// last run, write the manifest, start the shim and supervise it to the end
/// (Supervisor, shared with resume).
/// Each step that can refuse does so before anything is deleted. With a
/// guard (null only for tests with a fake shim) the shim runs under it.
/// </summary>
public sealed class RunCommand(RunRequest request, string shimPath, string? guardPath = null)
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
            fileLog = LogFactory.ConsoleAndFile(request.Verbose, dir);
            log = fileLog;
            using var imageLock = ImageLock.Acquire(dir);
            if (RunOrResume.Check(dir, program, request.Fresh) is { } saved)
            {
                log.Warning("resuming the saved failure in {Image} (use --fresh to start over)", dir.Path);
                var resume = Guard(ShimSpawner.Resume(shimPath, dir.Fd, imageLock.Fd, saved.Manifest.Program, saved.Manifest.Cwd), dir);
                return Supervisor.Supervise(dir, resume, saved.Manifest,
                    SupervisedStart.Resume(saved.Context.Header.Failures, request.FailAfter, (long)request.DirtyLimitMiB << 20), log);
            }
            FileSizeProbe.Check(dir);
            var previous = ImagePreparer.Prepare(dir, request.Fresh, log);
            var manifest = NewManifest(previous, program);
            ManifestStore.Write(dir, manifest);
            var launch = Guard(ShimSpawner.Run(shimPath, dir.Fd, imageLock.Fd, program.Path, program.AsTyped, request.Command.Skip(1), request.LazySpace), dir);
            return Supervisor.Supervise(dir, launch, manifest, SupervisedStart.Run(request.FailAfter, (long)request.DirtyLimitMiB << 20), log);
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

    ShimLaunch Guard(ShimLaunch launch, ImageDirectory dir) =>
        guardPath is null ? CgroupOption.Unguarded(launch, request.Cgroup)
            : ShimSpawner.Guarded(launch, guardPath, dir.Fd, request.EndOnSignal, request.Cgroup);

    Manifest NewManifest(Manifest? previous, ResolvedProgram program) => new(
        Manifest.CurrentFormatVersion,
        program.Path,
        ProgramHash.Sha256(program.Path),
        [program.AsTyped, .. request.Command.Skip(1)],
        Environment.CurrentDirectory,
        previous?.Created ?? DateTime.UtcNow,
        previous?.History ?? []);
}
