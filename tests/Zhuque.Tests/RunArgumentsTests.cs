using Zhuque.Launcher.Cli;

namespace Zhuque.Tests;

public sealed class RunArgumentsTests
{
    [Theory]
    [InlineData("run prog -x", "run -- prog -x")]
    [InlineData("run --image D prog -x", "run --image D -- prog -x")]
    [InlineData("run --image=D --fresh -v prog --fresh", "run --image=D --fresh -v -- prog --fresh")]
    [InlineData("run --fresh -- prog -x", "run --fresh -- prog -x")]
    [InlineData("run --bogus prog", "run --bogus -- prog")]
    [InlineData("run --image", "run --image")]
    [InlineData("inspect x -v", "inspect x -v")]
    public void ADashDashGoesBeforeTheProgram(string input, string expected) =>
        Assert.Equal(expected.Split(' '), RunArguments.Normalize(input.Split(' ')));
}
