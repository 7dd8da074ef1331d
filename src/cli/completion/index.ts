export { bashCompletion } from './bash.js'
export { fishCompletion } from './fish.js'
export { completionModel, type CompletionModel, type CompletionCommand, type CompletionOption } from './model.js'
export { zshCompletion } from './zsh.js'
