import { mountPage } from '../shell';
import { Attendance } from '../pages/Attendance';

mountPage(Attendance, { wide: true });
