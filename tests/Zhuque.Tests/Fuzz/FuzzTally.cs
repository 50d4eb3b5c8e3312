using System.Globalization;
using System.Text;

namespace Zhuque.Tests.Fuzz;

/// <summary>What a fuzz run saw: cases refused (by reason), read (and of those, with a matching checksum), reports built, time.</summary>
public sealed class FuzzTally
{
    readonly Dictionary<string, int> _reasons = [];

    public int Cases { get; private set; }

    public int Refused { get; private set; }

    public int Read { get; private set; }

    public int ReadWithChecksumOk { get; private set; }

    public int ChecksumRecomputed { get; set; }

    public int InspectReports { get; set; }

    public int InspectRefused { get; set; }

    public TimeSpan Slowest { get; private set; }

    /// <summary>The slowest case: its number and what was done to it.</summary>
    public string SlowestCase { get; private set; } = "";

    public void Refusal(string message, TimeSpan took, int index, string mutations)
    {
        Cases++;
        Refused++;
        // The reason without its numbers: "context region ... is empty" and the like.
        var reason = string.Join(' ', message.Split(' ').Where(w => !w.Any(char.IsDigit)).Take(8));
        _reasons[reason] = _reasons.GetValueOrDefault(reason) + 1;
        Time(took, index, mutations);
    }

    public void Success(bool checksumOk, TimeSpan took, int index, string mutations)
    {
        Cases++;
        Read++;
        ReadWithChecksumOk += checksumOk ? 1 : 0;
        Time(took, index, mutations);
    }

    void Time(TimeSpan took, int index, string mutations)
    {
        if (took <= Slowest)
            return;
        Slowest = took;
        SlowestCase = string.Create(CultureInfo.InvariantCulture, $"case {index}: {mutations}");
    }

    public string Summary(int seed, TimeSpan elapsed)
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine(string.Create(c, $"seed {seed}: {Cases} mutated contexts in {elapsed.TotalSeconds:0.0} s"));
        text.AppendLine(string.Create(c, $"  slowest read {Slowest.TotalMilliseconds:0.0} ms, {SlowestCase}"));
        text.AppendLine(string.Create(c, $"  refused {Refused}, read {Read} (checksum ok {ReadWithChecksumOk}); checksum recomputed on {ChecksumRecomputed}"));
        text.AppendLine(string.Create(c, $"  inspect reports built on {InspectReports} of them ({InspectRefused} refused as corrupt, 122)"));
        foreach (var (reason, n) in _reasons.OrderByDescending(r => r.Value).Take(12))
            text.AppendLine(string.Create(c, $"  {n,7} {reason}"));
        return text.ToString();
    }
}
