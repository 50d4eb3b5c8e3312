using Zhuque.Interpose.Image;

namespace Zhuque.Launcher.Inspect;

/// <summary>The descriptors section of inspect: every descriptor the failure saved, in the table's order (by number).</summary>
public static class DescriptorReports
{
    public static IReadOnlyList<DescriptorReport> Build(Context context) =>
        [.. context.Descriptors.Select(d => new DescriptorReport(
            d.Fd,
            d.Kind.ToString().ToLowerInvariant(),
            OpenFlags.Format(d.Entry.Flags),
            d.Entry.Cloexec != 0,
            DescriptorDetail.Describe(d)))];
}
