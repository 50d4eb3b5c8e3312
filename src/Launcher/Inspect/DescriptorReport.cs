namespace Zhuque.Launcher.Inspect;

/// <summary>
/// A descriptor saved at the failure: its number, its kind (file, pipe,
/// eventfd, timerfd, signalfd, epoll, listen, socket, dup, other), its file
/// status flags as F_GETFL gave them (O_RDWR|O_NONBLOCK), whether it was
/// close-on-exec, and in Detail what it is in words (DescriptorDetail).
/// </summary>
public sealed record DescriptorReport(int Fd, string Kind, string Flags, bool Cloexec, string Detail);
