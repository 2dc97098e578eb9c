export { FtpClient, type ConnectFn, type FtpClientOptions } from "./client";
export { FtpError, isFtpError, type FtpErrorCode } from "./errors";
export { FtpUrl, FtpUrlError, parseFtpUrl } from "./url";
export { ReplyReader, parseEpsv, parsePasv, isUnroutableIPv4, type FtpReply } from "./replies";
export { uploadUnique, fileExtensionFor, type PhotoExt, type UploadUniqueArgs, type UploadUniqueResult } from "./upload";
