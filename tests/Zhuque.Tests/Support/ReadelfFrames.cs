using System.Globalization;
using System.Text.RegularExpressions;

namespace Zhuque.Tests.Support;

/// <summary>
/// The CFI table of .eh_frame as `readelf -wF` (frames-interp) prints it:
/// per FDE its range and rows, each row the CFA ("rsp+8", "rbp+16",
/// "exp") and a rule per register column ("u", "s", "c-16", "v+8", "r3",
/// "exp"), by DWARF register number. An FDE without rows of its own has
/// the CIE's, which readelf prints under the CIE.
/// </summary>
public static partial class ReadelfFrames
{
    public sealed record Row(ulong Location, string Cfa, IReadOnlyDictionary<int, string> Rules);

    public sealed record Fde(ulong Begin, ulong End, IReadOnlyList<Row> Rows);

    static readonly string[] Names =
        ["rax", "rdx", "rcx", "rbx", "rsi", "rdi", "rbp", "rsp", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "ra"];

    public static IReadOnlyList<Fde> Read(string program)
    {
        // readelf exits 1 on Debian's libc.so.6 without a word on stderr, after printing it all.
        var r = Proc.Run("readelf", ["--debug-dump=frames-interp", program]);
        Assert.True(r.Stdout.Contains(" FDE ", StringComparison.Ordinal), r.ToString());
        var lines = r.Stdout.Split('\n');
        var fdes = new List<Fde>();
        var cieRows = new Dictionary<string, List<Row>>();
        List<Row>? rows = null;
        string[] columns = [];
        string? currentCie = null;
        (ulong Begin, ulong End, string Cie)? fde = null;

        void Finish()
        {
            if (fde is { } f)
                fdes.Add(new Fde(f.Begin, f.End, rows is { Count: > 0 } ? rows : cieRows.GetValueOrDefault(f.Cie) ?? []));
            else if (currentCie is not null && rows is not null)
                cieRows[currentCie] = rows;
            fde = null;
            currentCie = null;
            rows = null;
        }

        foreach (var line in lines)
        {
            if (CieHeader().Match(line) is { Success: true } cie)
            {
                Finish();
                currentCie = cie.Groups[1].Value;
                rows = [];
            }
            else if (FdeHeader().Match(line) is { Success: true } f)
            {
                Finish();
                fde = (Hex(f.Groups[2].Value), Hex(f.Groups[3].Value), f.Groups[1].Value);
                rows = [];
            }
            else if (line.TrimStart().StartsWith("LOC", StringComparison.Ordinal))
                columns = line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[2..];
            else if (RowLine().Match(line) is { Success: true } && rows is not null)
            {
                // A register rule is printed "r9 (r9)": the name in parentheses is dropped.
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(p => !p.StartsWith('(')).ToArray();
                var rules = new Dictionary<int, string>();
                for (var i = 0; i < columns.Length && i + 2 < parts.Length; i++)
                {
                    var register = Array.IndexOf(Names, columns[i]);
                    if (register >= 0)
                        rules[register] = parts[i + 2];
                }
                rows.Add(new Row(Hex(parts[0]), parts[1], rules));
            }
        }
        Finish();
        return fdes;
    }

    public static int Register(string name) => Array.IndexOf(Names, name);

    static ulong Hex(string s) => ulong.Parse(s, NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^([0-9a-f]{8}) [0-9a-f]+ [0-9a-f]+ CIE")]
    private static partial Regex CieHeader();

    [GeneratedRegex(@"^[0-9a-f]{8} [0-9a-f]+ [0-9a-f]+ FDE cie=([0-9a-f]{8}) pc=([0-9a-f]+)\.\.([0-9a-f]+)")]
    private static partial Regex FdeHeader();

    [GeneratedRegex(@"^[0-9a-f]{16} ")]
    private static partial Regex RowLine();
}
