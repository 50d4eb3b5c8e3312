using System.Text.Json;
using Zhuque.Interpose.Elf;
using Zhuque.Interpose.Image;
using Zhuque.Tests.Support;

namespace Zhuque.Tests.Inspect;

/// <summary>
/// `zhuque inspect` of a real saved image (tests/c/objects.c): the
/// descriptors saved at the failure and the signal handlers the program
/// set, in text and in JSON; and what it says when the handlers cannot be
/// known.
/// </summary>
public sealed class InspectObjectsTests(SavedObjectsImage saved) : IClassFixture<SavedObjectsImage>, IDisposable
{
    readonly TempDir _tmp = new();

    ProcResult Inspect(params string[] args)
    {
        var r = ZhuqueCli.Run(saved.StateHome, ["inspect", .. args]);
        Assert.True(r.ExitCode == 0, r.ToString());
        return r;
    }

    [Fact]
    public void TextShowsEachDescriptorWithWhatItIs()
    {
        var text = Inspect(saved.Image).Stdout;
        Assert.Contains("\ndescriptors: ", text);
        string[] expected =
        [
            $@"^ +3 file +O_RDWR\|O_APPEND\|O_LARGEFILE +{saved.FilePath}, offset 5$",
            @"^ +4 pipe +O_RDONLY +read end of a pipe, write end fd 5, 11 unread bytes ""unread data""$",
            @"^ +5 pipe +O_WRONLY +write end of a pipe, read end fd 4$",
            $@"^ +6 listen +O_RDWR +AF_INET SOCK_STREAM 127\.0\.0\.1:{saved.Port}, backlog 7, SO_REUSEADDR=1$",
            @"^ +7 eventfd +O_RDWR FD_CLOEXEC +counter 3$",
            @"^ +8 epoll +O_RDWR FD_CLOEXEC +2 registrations: (fd 6 EPOLLIN\|EPOLLERR\|EPOLLHUP\|EPOLLET data 0x6666; fd 5 EPOLLIN\|EPOLLERR\|EPOLLHUP data 0x5555|fd 5 .*data 0x5555; fd 6 .*data 0x6666)$",
            @"^ +9 dup +O_RDWR\|O_APPEND\|O_LARGEFILE +shares the open file of fd 3$",
        ];
        foreach (var line in expected)
            Assert.Matches(new System.Text.RegularExpressions.Regex(line, System.Text.RegularExpressions.RegexOptions.Multiline), text);
    }

    [Fact]
    public void TextShowsEachSignalHandlerTheProgramSet()
    {
        var text = Inspect(saved.Image).Stdout;
        var symbols = ElfSymbols.Read(saved.Program);
        string At(string name) => $"0x{symbols.Functions.Single(f => f.Name == name).Address:x}";
        Assert.Contains("\nsignal handlers: 4\n", text);
        string[] expected =
        [
            $@"^  SIGUSR1 on_usr1 at {At("on_usr1")} +SA_SIGINFO\|SA_RESTART mask SIGTERM$",
            @"^  SIGPIPE SIG_IGN +SA_RESTART +mask none$",
            $@"^  SIGTERM on_term at {At("on_term")} +0 +mask none$",
            $@"^  SIGPWR +on_power at {At("on_power")} +SA_RESTART +mask none$",
        ];
        foreach (var line in expected)
            Assert.Matches(new System.Text.RegularExpressions.Regex(line, System.Text.RegularExpressions.RegexOptions.Multiline), text);
    }

    [Fact]
    public void JsonHasTheSameDescriptorsAndHandlers()
    {
        using var json = JsonDocument.Parse(Inspect("--json", saved.Image).Stdout);
        var root = json.RootElement;
        var fds = root.GetProperty("descriptors").EnumerateArray().Where(d => d.GetProperty("fd").GetInt32() is >= 3 and <= 9).ToArray();
        Assert.Equal(["file", "pipe", "pipe", "listen", "eventfd", "epoll", "dup"], fds.Select(d => d.GetProperty("kind").GetString()));
        Assert.Equal([false, false, false, false, true, true, false], fds.Select(d => d.GetProperty("cloexec").GetBoolean()));
        Assert.Equal("O_WRONLY", fds[2].GetProperty("flags").GetString());
        Assert.Equal($"AF_INET SOCK_STREAM 127.0.0.1:{saved.Port}, backlog 7, SO_REUSEADDR=1", fds[3].GetProperty("detail").GetString());

        var usr1 = root.GetProperty("signalHandlers").EnumerateArray().Single(h => h.GetProperty("signo").GetInt32() == 10);
        Assert.Equal("SIGUSR1", usr1.GetProperty("signal").GetString());
        Assert.Equal("on_usr1", usr1.GetProperty("handler").GetString());
        Assert.Equal($"0x{ElfSymbols.Read(saved.Program).Functions.Single(f => f.Name == "on_usr1").Address:x16}", usr1.GetProperty("address").GetString());
        Assert.Equal("SA_SIGINFO|SA_RESTART", usr1.GetProperty("flags").GetString());
        Assert.Equal("0x0000000000004000", usr1.GetProperty("mask").GetString()); // SIGTERM: bit 14
        var pipe = root.GetProperty("signalHandlers").EnumerateArray().Single(h => h.GetProperty("signo").GetInt32() == 13);
        Assert.Equal("SIG_IGN", pipe.GetProperty("handler").GetString());
        Assert.False(pipe.TryGetProperty("address", out _));
        Assert.False(root.TryGetProperty("signalHandlersUnknown", out _));
    }

    [Fact]
    public void HandlersOfAStrippedProgramAreUnknownAndSaidSo()
    {
        var stripped = _tmp["stripped"];
        Proc.Check("strip", "-o", stripped, saved.Program);
        var image = SavedImages.Create(_tmp["img"], ZqState.Saved, stripped, _tmp.Path);
        var r = ZhuqueCli.Run(_tmp["state"], "inspect", image);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("\ndescriptors: 0\nsignal handlers: unknown (the program has no symbol table (stripped))\n", r.Stdout);
        using var json = JsonDocument.Parse(ZhuqueCli.Run(_tmp["state"], "inspect", "--json", image).Stdout);
        Assert.False(json.RootElement.TryGetProperty("signalHandlers", out _));
        Assert.Equal("the program has no symbol table (stripped)", json.RootElement.GetProperty("signalHandlersUnknown").GetString());
    }

    [Fact]
    public void AnImageWithoutASavedFailureShowsNeither()
    {
        var image = SavedImages.Create(_tmp["img"], ZqState.Exited, saved.Program, _tmp.Path);
        using var json = JsonDocument.Parse(ZhuqueCli.Run(_tmp["state"], "inspect", "--json", image).Stdout);
        foreach (var absent in new[] { "descriptors", "signalHandlers", "signalHandlersUnknown", "threads" })
            Assert.False(json.RootElement.TryGetProperty(absent, out _), absent);
    }

    public void Dispose() => _tmp.Dispose();
}
