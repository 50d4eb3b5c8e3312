using System.Diagnostics;
using System.Globalization;

namespace Zhuque.Launcher.Snapshot;

/// <summary>
/// Where a hold's time goes, part by part (the capture, the copy of the
/// context, the scan, ...), for `zhuque snapshot -v` and
/// scripts/bench-snapshot: the pause is the figure that matters, and what
/// grows with memory shows here first.
/// </summary>
public sealed class PauseParts
{
    readonly List<(string Name, long Ticks)> _parts = [];

    public void Add(string name, long ticks)
    {
        var i = _parts.FindIndex(p => p.Name == name);
        if (i < 0)
            _parts.Add((name, ticks));
        else
            _parts[i] = (name, _parts[i].Ticks + ticks);
    }

    public void Time(string name, Action work)
    {
        var start = Stopwatch.GetTimestamp();
        try
        {
            work();
        }
        finally
        {
            Add(name, Stopwatch.GetTimestamp() - start);
        }
    }

    public T Time<T>(string name, Func<T> work)
    {
        var start = Stopwatch.GetTimestamp();
        try
        {
            return work();
        }
        finally
        {
            Add(name, Stopwatch.GetTimestamp() - start);
        }
    }

    public override string ToString() =>
        string.Join(", ", _parts.Select(p => string.Create(CultureInfo.InvariantCulture,
            $"{p.Name} {Stopwatch.GetElapsedTime(0, p.Ticks).TotalMilliseconds:0.00}")));
}
