using System.Text;
using Zhuque.Launcher.Native;

namespace Zhuque.Launcher.Cli;

/// <summary>
/// Keeps .NET from touching the terminal that zhuque shares with the program
/// it starts. .NET's console initializes the terminal on first use (a write
/// to Console, or Console.WindowWidth, which CommandLineParser reads) and
/// switches it to keypad transmit mode ("\e[?1h\e="): the program would
/// inherit a terminal whose arrow keys send other bytes. So Console.Out and
/// Console.Error become plain write(2) writers on fds 1 and 2, and .NET's own copy of
/// TERM says "dumb", which has no such mode. The program is not affected:
/// .NET never writes its copy of the environment back to libc's, and the
/// shim gets libc's environ.
/// </summary>
public static class StandardStreams
{
    public static void Install()
    {
        Environment.SetEnvironmentVariable("TERM", "dumb");
        Console.SetOut(Writer(1));
        Console.SetError(Writer(2));
    }

    static TextWriter Writer(int fd) =>
        TextWriter.Synchronized(new StreamWriter(new FdWriteStream(fd), new UTF8Encoding(false)) { AutoFlush = true });
}
