"""Detection model builders: YOLOv1 and its small variants (`yolo`); the tools they use (boxes,
NMS, mAP, the YOLO loss) live in `dlcourse.detection`."""
