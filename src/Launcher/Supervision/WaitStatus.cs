namespace Zhuque.Launcher.Supervision;

/// <summary>A raw waitpid status, decoded as the W* macros do.</summary>
public readonly record struct WaitStatus(int Raw)
{
    public bool Exited => (Raw & 0x7f) == 0;                        // WIFEXITED
    public int ExitCode => (Raw >> 8) & 0xff;                       // WEXITSTATUS
    public bool Signaled => (Raw & 0x7f) != 0 && (Raw & 0x7f) != 0x7f; // WIFSIGNALED
    public int Signal => Raw & 0x7f;                                // WTERMSIG
}
