export * from './message-meta';
export * from './uid-set';
export { literalPlusPatchAvailable } from './literal-plus';
export {
  AppendResult,
  FolderInfo,
  MetadataEntry,
  OpenFolder,
  TransferSession,
  XferUserResult,
} from './transfer-session';
