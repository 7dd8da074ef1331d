import { Argument } from 'commander'
import { bashCompletion, completionModel, fishCompletion, zshCompletion, type CompletionModel } from '../completion/index.js'
import { EXIT_CODES_HELP } from '../exit.js'
import type { Command } from 'commander'

const SHELLS: Record<string, (model: CompletionModel) => string> = {
  bash: bashCompletion,
  zsh: zshCompletion,
  fish: fishCompletion
}

export function registerCompletion (program: Command): void {
  program.command('completion')
    .summary('print a shell completion script (bash, zsh or fish)')
    .description(
      'Print the completion script of keydir for a shell: its commands, their flags, and the values of ' +
      'flags that take a directory, a file or one of a list. It is made from this keydir\'s own commands, ' +
      'so after an upgrade load it again.')
    .addArgument(new Argument('<shell>', 'the shell').choices(Object.keys(SHELLS)))
    .addHelpText('after', `
Examples:
  source <(keydir completion bash)                         # this bash session
  keydir completion bash > ~/.local/share/bash-completion/completions/keydir
  keydir completion zsh > "\${fpath[1]}/_keydir"            # zsh, then restart it
  keydir completion fish > ~/.config/fish/completions/keydir.fish
${EXIT_CODES_HELP}`)
    // commander has checked that the shell is one of SHELLS.
    .action((shell: string) => { process.stdout.write(SHELLS[shell](completionModel(program))) })
}
