using Zhuque.Launcher.Native;

namespace Zhuque.Launcher.Supervision;

/// <summary>Whether zhuque's process group is the foreground group of its controlling terminal.</summary>
public static class Terminal
{
    public static bool IsForeground()
    {
        var group = Libc.GetPGrp();
        for (var fd = 0; fd <= 2; fd++)
        {
            var foreground = Libc.TcGetPGrp(fd);
            if (foreground > 0)
                return foreground == group;
        }
        return false; // no terminal on stdin/stdout/stderr
    }
}
