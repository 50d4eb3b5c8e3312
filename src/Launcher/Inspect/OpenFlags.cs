namespace Zhuque.Launcher.Inspect;

/// <summary>A descriptor's file status flags (F_GETFL, x86_64 values): the access mode, then the flags set.</summary>
public static class OpenFlags
{
    const int AccessMode = 3; // O_ACCMODE

    // O_SYNC before O_DSYNC: it holds that bit and one of its own.
    static readonly (ulong, string)[] Names =
    [
        (0x40, "O_CREAT"), (0x80, "O_EXCL"), (0x100, "O_NOCTTY"), (0x200, "O_TRUNC"),
        (0x400, "O_APPEND"), (0x800, "O_NONBLOCK"), (0x101000, "O_SYNC"), (0x1000, "O_DSYNC"), (0x2000, "O_ASYNC"),
        (0x4000, "O_DIRECT"), (0x8000, "O_LARGEFILE"), (0x10000, "O_DIRECTORY"), (0x20000, "O_NOFOLLOW"),
        (0x40000, "O_NOATIME"), (0x80000, "O_CLOEXEC"), (0x200000, "O_PATH"),
    ];

    public static string Format(int flags)
    {
        var mode = (flags & AccessMode) switch
        {
            0 => "O_RDONLY",
            1 => "O_WRONLY",
            2 => "O_RDWR",
            _ => "O_ACCMODE",
        };
        var rest = BitNames.Format((uint)flags & ~(uint)AccessMode, Names);
        return rest == "0" ? mode : $"{mode}|{rest}";
    }

    public static bool IsReadOnly(int flags) => (flags & AccessMode) == 0;
}
