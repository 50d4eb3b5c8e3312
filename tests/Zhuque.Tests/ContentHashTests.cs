using Zhuque.Interpose.Image;
using Zhuque.Tests.Support;

namespace Zhuque.Tests;

/// <summary>
/// ContentHash (C#, the launcher's check at resume) and zq_hash of image.h
/// (C, what the runtime and the shim record) agree on files of every tail
/// length and across the launcher's 1 MiB read buffer; a byte changed
/// anywhere changes the hash.
/// </summary>
public sealed class ContentHashTests : IDisposable
{
    readonly TempDir _tmp = new();

    [Fact]
    public void TheCAndCSharpHashesAgree()
    {
        var probe = _tmp["probe.c"];
        File.WriteAllText(probe, """
            #include <stdio.h>
            #include <stdlib.h>
            #include <zhuque/image.h>
            int main(int argc, char **argv)
            {
            	for (int i = 1; i < argc; i++) {
            		FILE *f = fopen(argv[i], "rb");
            		static unsigned char buf[3 << 20];
            		size_t n = fread(buf, 1, sizeof buf, f);
            		fclose(f);
            		printf("%016llx\n", (unsigned long long)zq_hash(buf, n));
            	}
            	return 0;
            }
            """);
        var exe = _tmp["probe"];
        var cc = Proc.Run("gcc", ["-O2", "-I", Path.Combine(Repo.Root, "native", "include"), "-o", exe, probe]);
        Assert.True(cc.ExitCode == 0, cc.ToString());
        var sizes = Enumerable.Range(0, 20).Concat([4099, (1 << 20) - 3, (1 << 20) + 5, (2 << 20) + 7]).ToList();
        var files = sizes.Select(n =>
        {
            var path = _tmp[$"f{n}"];
            File.WriteAllBytes(path, [.. Enumerable.Range(0, n).Select(i => (byte)(i * 31 + n))]);
            return path;
        }).ToList();
        var r = Proc.Run(exe, files);
        Assert.True(r.ExitCode == 0, r.ToString());
        var c = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < files.Count; i++)
        {
            Assert.Equal(c[i], ContentHash.OfFile(files[i]).ToString("x16"));
            Assert.Equal(c[i], ContentHash.Of(File.ReadAllBytes(files[i])).ToString("x16"));
        }
        Assert.Equal(c.Length, c.Distinct().Count());
    }

    [Fact]
    public void AByteChangedAnywhereChangesTheHash()
    {
        var bytes = Enumerable.Range(0, 4099).Select(i => (byte)i).ToArray();
        var h = ContentHash.Of(bytes);
        foreach (var at in new[] { 0, 7, 8, 2048, 4095, 4096, 4098 })
        {
            var copy = (byte[])bytes.Clone();
            copy[at] ^= 1;
            Assert.NotEqual(h, ContentHash.Of(copy));
        }
    }

    public void Dispose() => _tmp.Dispose();
}
