"""Folders and their files (`client.folders`, `client.folders.files`, `client.folders.agents`).

Every route is also served under Letta's deprecated `/v1/sources` (same handlers, left out of
the OpenAPI document).
"""

from typing import Annotated, Literal

from fastapi import (
    BackgroundTasks,
    Depends,
    File,
    Path,
    Query,
    Request,
    Response,
    UploadFile,
)

from lettalite.api.deps import FileId, FolderId, SessionDep, page_params
from lettalite.api.errors import UPLOAD_ERROR_RESPONSES, WRITE_ERROR_RESPONSES
from lettalite.api.routing import api_router
from lettalite.db.pagination import Page
from lettalite.schemas.folder import (
    CreateFolder,
    DuplicateHandling,
    FileMetadata,
    Folder,
    FoldersMetadata,
    UpdateFolder,
)
from lettalite.schemas.passage import Passage
from lettalite.services import folders as folder_service

router = api_router(tags=["folders"])
FolderPage = Annotated[Page, Depends(page_params("asc", 50))]
FilePage = Annotated[Page, Depends(page_params("desc", 1000))]
NewestFirst = Annotated[Page, Depends(page_params("desc", 50))]
PassagePage = Annotated[Page, Depends(page_params("desc", 100))]
MAX_NAME = 255


async def create_folder(body: CreateFolder, session: SessionDep) -> Folder:
    return await folder_service.create_folder(session, body)


async def list_folders(
    session: SessionDep,
    page: FolderPage,
    name: Annotated[str | None, Query(max_length=MAX_NAME)] = None,
    order_by: Literal["created_at"] = "created_at",
) -> list[Folder]:
    return await folder_service.list_folders(session, page, name=name)


async def count_folders(session: SessionDep) -> int:
    return await folder_service.count_folders(session)


async def folder_id_by_name(
    folder_name: Annotated[str, Path(max_length=MAX_NAME)], session: SessionDep
) -> str:
    return await folder_service.folder_id_by_name(session, folder_name)


async def folders_metadata(
    session: SessionDep, include_detailed_per_source_metadata: bool = False
) -> FoldersMetadata:
    return await folder_service.folders_metadata(
        session, detailed=include_detailed_per_source_metadata
    )


async def get_folder(folder_id: FolderId, session: SessionDep) -> Folder:
    return await folder_service.get_folder(session, folder_id)


async def update_folder(folder_id: FolderId, body: UpdateFolder, session: SessionDep) -> Folder:
    return await folder_service.update_folder(session, folder_id, body)


async def delete_folder(folder_id: FolderId, session: SessionDep) -> None:
    await folder_service.delete_folder(session, folder_id)


async def upload_file(
    folder_id: FolderId,
    file: Annotated[UploadFile, File()],
    request: Request,
    response: Response,
    session: SessionDep,
    background: BackgroundTasks,
    duplicate_handling: DuplicateHandling = "suffix",
    name: Annotated[str | None, Query(max_length=MAX_NAME)] = None,
) -> FileMetadata:
    upload = folder_service.Upload(file.filename, file.content_type, await file.read())
    stored, skipped = await folder_service.upload_file(
        session, folder_id, upload, name=name, duplicate_handling=duplicate_handling
    )
    if skipped:
        response.headers["X-Upload-Result"] = "skipped"
    else:  # after the response, so after the commit: the processor finds the file
        background.add_task(request.app.state.file_processor.wake)
    return stored


async def list_files(
    folder_id: FolderId,
    session: SessionDep,
    page: FilePage,
    include_content: bool = False,
    order_by: Literal["created_at"] = "created_at",
) -> list[FileMetadata]:
    return await folder_service.list_files(
        session, folder_id, page, include_content=include_content
    )


async def get_file(
    folder_id: FolderId, file_id: FileId, session: SessionDep, include_content: bool = False
) -> FileMetadata:
    return await folder_service.get_file(
        session, folder_id, file_id, include_content=include_content
    )


async def delete_file(folder_id: FolderId, file_id: FileId, session: SessionDep) -> Response:
    await folder_service.delete_file(session, folder_id, file_id)
    return Response(status_code=204)


async def list_passages(
    folder_id: FolderId,
    session: SessionDep,
    page: PassagePage,
    order_by: Literal["created_at"] = "created_at",
) -> list[Passage]:
    return await folder_service.list_passages(session, folder_id, page)


async def list_agents(
    folder_id: FolderId,
    session: SessionDep,
    page: NewestFirst,
    order_by: Literal["created_at"] = "created_at",
) -> list[str]:
    return await folder_service.list_agent_ids(session, folder_id, page)


def _routes(base: str, in_schema: bool) -> None:
    add = router.add_api_route
    options = {"include_in_schema": in_schema}
    for path in (f"{base}/", base):  # collections answer with and without the slash
        shown = in_schema and path.endswith("/")
        add(path, create_folder, methods=["POST"], response_model=Folder,
            responses=WRITE_ERROR_RESPONSES, include_in_schema=shown)  # fmt: skip
        add(path, list_folders, methods=["GET"], response_model=list[Folder],
            include_in_schema=shown)  # fmt: skip
    # Fixed paths before `/{folder_id}`, which would otherwise take them.
    add(f"{base}/count", count_folders, methods=["GET"], response_model=int, **options)
    add(f"{base}/metadata", folders_metadata, methods=["GET"], response_model=FoldersMetadata,
        **options)  # fmt: skip
    add(f"{base}/name/{{folder_name}}", folder_id_by_name, methods=["GET"], response_model=str,
        **options)  # fmt: skip
    one = f"{base}/{{folder_id}}"
    add(one, get_folder, methods=["GET"], response_model=Folder, **options)
    add(one, update_folder, methods=["PATCH"], response_model=Folder,
        responses=WRITE_ERROR_RESPONSES, **options)  # fmt: skip
    add(one, delete_folder, methods=["DELETE"], response_model=None, **options)
    add(f"{one}/upload", upload_file, methods=["POST"], response_model=FileMetadata,
        responses=UPLOAD_ERROR_RESPONSES, **options)  # fmt: skip
    add(f"{one}/files", list_files, methods=["GET"], response_model=list[FileMetadata],
        **options)  # fmt: skip
    add(f"{one}/files/{{file_id}}", get_file, methods=["GET"], response_model=FileMetadata,
        **options)  # fmt: skip
    add(f"{one}/{{file_id}}", delete_file, methods=["DELETE"], status_code=204,
        response_class=Response, **options)  # fmt: skip
    add(f"{one}/passages", list_passages, methods=["GET"], response_model=list[Passage],
        **options)  # fmt: skip
    add(f"{one}/agents", list_agents, methods=["GET"], response_model=list[str], **options)


_routes("/v1/folders", in_schema=True)
_routes("/v1/sources", in_schema=False)
