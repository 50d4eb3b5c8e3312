namespace Zhuque.Launcher.Verbs;

/// <summary>
/// The parser silently drops surplus positional words; a verb collects them
/// in a hidden value and refuses them here, so a typo is not ignored.
/// </summary>
public static class ExtraArguments
{
    public static void Refuse(IEnumerable<string> extra)
    {
        if (extra.FirstOrDefault() is { } first)
            throw new ZhuqueException(ReturnCode.UsageOrInternal, $"unexpected argument '{first}'");
    }
}
