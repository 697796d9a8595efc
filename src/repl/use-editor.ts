/*
 * The line editor's state in a component: the pure reducer (editor.ts) under useReducer, so
 * every key is applied to the latest state however fast keys arrive.
 */
import { useReducer, type Dispatch } from 'react';
import { editorReducer, initialEditor, type EditorAction, type EditorState } from './editor.ts';

export function useEditor(history: readonly string[]): [EditorState, Dispatch<EditorAction>] {
  return useReducer(editorReducer, history, initialEditor);
}
