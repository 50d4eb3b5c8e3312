using Zhuque.Launcher.Native;

namespace Zhuque.Launcher.Run;

/// <summary>
/// Finds PROG the way a shell does: a name with a '/' is a path, any other
/// name is looked up in PATH. Missing gives 127, present but not a runnable
/// file gives 126, with the shell's wording.
/// </summary>
public static class ProgramResolver
{
    const string DefaultPath = "/usr/local/bin:/usr/bin:/bin";

    public static ResolvedProgram Resolve(string program, string? pathVariable)
    {
        if (program.Length == 0)
            throw new ZhuqueException(ReturnCode.NotFound, "'': program not found");
        var path = program.Contains('/') ? Check(program, program) : Search(program, pathVariable ?? DefaultPath);
        // Symlinks are resolved so the image names the file that is really mapped.
        return new ResolvedProgram(program, Posix.RealPath(path));
    }

    static string Search(string name, string pathVariable)
    {
        ZhuqueException? firstRefusal = null;
        foreach (var entry in pathVariable.Split(':'))
        {
            // An empty PATH entry means the current directory, as in sh.
            var candidate = System.IO.Path.Combine(entry.Length == 0 ? "." : entry, name);
            if (Libc.StatPath(candidate, out _) != 0)
                continue;
            try
            {
                return Check(candidate, name);
            }
            catch (ZhuqueException e) when (e.Code == ReturnCode.CannotExecute)
            {
                // Like execvp: remember the refusal, keep looking for a runnable one.
                firstRefusal ??= e;
            }
        }
        throw firstRefusal ?? new ZhuqueException(ReturnCode.NotFound, $"{name}: program not found");
    }

    static string Check(string path, string shown)
    {
        if (Libc.StatPath(path, out var st) != 0)
        {
            var errno = Libc.LastError;
            if (errno == Libc.ENOENT || errno == Libc.ENOTDIR)
                throw new ZhuqueException(ReturnCode.NotFound, $"{shown}: program not found");
            throw new ZhuqueException(ReturnCode.CannotExecute, $"{shown}: {Libc.Message(errno)}");
        }
        if (Libc.IsDirectory(st.Mode))
            throw new ZhuqueException(ReturnCode.CannotExecute, $"{shown}: is a directory");
        if (!Libc.IsRegular(st.Mode))
            throw new ZhuqueException(ReturnCode.CannotExecute, $"{shown}: not a regular file");
        if (Libc.Access(path, Libc.X_OK) != 0)
            throw new ZhuqueException(ReturnCode.CannotExecute, $"{shown}: permission denied (not executable)");
        return path;
    }
}
