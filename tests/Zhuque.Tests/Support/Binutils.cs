using System.Globalization;
using System.Text.RegularExpressions;

namespace Zhuque.Tests.Support;

/// <summary>The binutils answers the debug readers are checked against: objdump's instruction addresses, addr2line's lines.</summary>
public static partial class Binutils
{
    /// <summary>The address of every instruction objdump -d finds in the program's code.</summary>
    public static IReadOnlyList<ulong> InstructionAddresses(string program) =>
        [.. Proc.Check("objdump", "-d", "--no-show-raw-insn", program)
            .Split('\n')
            .Select(l => InstructionLine().Match(l))
            .Where(m => m.Success)
            .Select(m => ulong.Parse(m.Groups[1].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture))];

    /// <summary>
    /// addr2line's file:line for each address; null where it knows no line
    /// ("??:?", or "file.c:?" from the symbol table alone). Discriminators dropped.
    /// </summary>
    public static IReadOnlyList<(string File, int Line)?> Addr2Line(string program, IReadOnlyList<ulong> addresses)
    {
        var result = new List<(string, int)?>(addresses.Count);
        foreach (var chunk in addresses.Chunk(2000))
        {
            var output = Proc.Check("addr2line", [.. new[] { "-e", program }, .. chunk.Select(a => $"0x{a:x}")]);
            var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(chunk.Length, lines.Length);
            foreach (var line in lines)
            {
                var m = Addr2LineAnswer().Match(line);
                result.Add(m.Success && m.Groups[1].Value != "??"
                    ? (m.Groups[1].Value, int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture))
                    : null);
            }
        }
        return result;
    }

    [GeneratedRegex(@"^\s+([0-9a-f]+):\s")]
    private static partial Regex InstructionLine();

    [GeneratedRegex(@"^(.*):(\d+)(?: \(discriminator \d+\))?$")]
    private static partial Regex Addr2LineAnswer();
}
